"""LIVE gifts: coin packs, catalog, gifting, diamonds, cash-out, refunds and chargebacks.

The pure core is `model` (vocabulary: gifts, catalog, commands, events) and `economics`
(the arithmetic and rules); `gateway` and `payouts` are the ports to the money rails
outside, each with an embedded, deterministic implementation.
"""
