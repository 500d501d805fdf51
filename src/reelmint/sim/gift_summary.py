"""The LIVE gifts section of `summary.json`, from the books and the gifts records.

Money comes from the ledger's balances, never from the engine's own tallies, so the
summary says what the books say: gift revenue is the balance of
`platform:revenue:gifts`, the coin margin that of `platform:revenue:coins`, the app-store
fees that of `platform:fees:app_store`, and the coins in wallets the coins the treasury
has out. Counts (LIVEs, viewers, purchases, gifts) and the heavy-tail figure come from
the engine; cash-outs from the records, by status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reelmint.gifts import books
from reelmint.gifts.records import CashoutStatus
from reelmint.sim.gifting import top_share

if TYPE_CHECKING:
    from reelmint.sim.engines.gifts import GiftsEngine
    from reelmint.sim.world import World

TOP = 10


def gift_summary(engine: GiftsEngine, world: World) -> dict[str, Any]:
    t, service = engine.tally, engine.service
    accounts = [books.GIFT_REVENUE, books.COIN_MARGIN, books.STORE_FEES, books.COIN_TREASURY,
                books.COIN_LIABILITY, books.COIN_RECEIVABLE, books.CLAWBACK_REVENUE]  # fmt: skip
    balances = world.ledger.balances(accounts)

    def posted(account: str) -> int:
        found = balances.get(account)
        return 0 if found is None else found.posted

    diamonds = int(engine.received.sum())
    return {
        "lives": int(sum(engine.by_tier.values())),
        "lives_by_tier": {str(tier): n for tier, n in sorted(engine.by_tier.items())},
        "hosts_streaming": len(engine.hosts),
        "viewers": t["viewers"],
        "unique_viewers": len(engine.watched),
        "payers": int((engine.budget > 0).sum()),
        "buyers": int((engine.bought > 0).sum()),
        "gifters": int((engine.sent > 0).sum()),
        "purchases": t["purchases"],
        "in_app_purchases": t["in_app"],
        "coins_bought": t["coins_bought"],
        "coins_spent": int(engine.sent.sum()),
        "coins_in_wallets": -posted(books.COIN_TREASURY),
        "wallets_micros": posted(books.COIN_LIABILITY),  # their face value, still owed
        "paid_micros": t["paid_micros"],
        "app_store_fees_micros": posted(books.STORE_FEES),
        "coin_margin_micros": posted(books.COIN_MARGIN),
        "gift_revenue_micros": posted(books.GIFT_REVENUE),
        "gifts_sent": t["gifts"],
        "gift_items": t["items"],
        "diamonds": diamonds,
        "diamonds_value_micros": diamonds * engine.value,
        "top_tenth_coin_share": top_share(engine.sent),
        "refused": dict(sorted(engine.refused.items())),
        "events_refused": t["events_refused"],
        "reversals": {
            "refunds": t["refunds"],
            "chargebacks": t["chargebacks"],
            "paid_back_micros": t["reversed_micros"],
            "coins_clawed_back": t["coins_clawed_back"],
            # what buyers owe for coins they had spent: a loss until they buy again
            "coin_debt_micros": -posted(books.COIN_RECEIVABLE),
            "diamonds_clawed_back_micros": posted(books.CLAWBACK_REVENUE),
        },
        "cashouts": _cashouts(engine),
        "top_gifters": _top_gifters(engine, world),
        "books": service.check_books(),
    }


def _cashouts(engine: GiftsEngine) -> dict[str, Any]:
    store = engine.service.ctx.store
    by_status = {s.value: store.cashouts_in(s, limit=1_000_000) for s in CashoutStatus}

    def amount(status: CashoutStatus) -> int:
        return sum(c.amount_micros for c in by_status[status.value])

    return {
        "requested": engine.tally["cashouts"],
        "requested_micros": engine.tally["cashout_micros"],
        "paid": len(by_status["paid"]),
        "paid_micros": amount(CashoutStatus.PAID),
        "payable": len(by_status["payable"]),
        "payable_micros": amount(CashoutStatus.PAYABLE),
        "held": len(by_status["held"]),
        "held_micros": amount(CashoutStatus.HELD),
        "voided": len(by_status["voided"]),
        "refused": dict(sorted(engine.cashout_refused.items())),
        "diamonds_kept": int((engine.received - engine.cashed).sum()),
    }


def _top_gifters(engine: GiftsEngine, world: World) -> list[dict[str, Any]]:
    """The month's leaderboard, as the service keeps it, with each gifter's age band."""
    pop = world.population
    return [
        {"user": x.sender, "age_band": pop.age_bands[int(pop.age_band[x.sender])],
         "coins": x.coins, "gifts": x.gifts, "budget_coins": int(engine.budget[x.sender])}
        for x in engine.service.lives.top_gifters(limit=TOP)
    ]  # fmt: skip


__all__ = ["gift_summary"]
