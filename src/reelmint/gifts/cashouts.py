"""Cash-out: diamonds into dollars, held, then paid in batches.

A request is checked (good standing, the minimum, today's cap, the diamonds held) and
posted as a pending pair (`books.cashout_hold`): the diamonds and their dollar value are
reserved, not moved. When the hold ends, `release` posts both legs, and the dollars sit
on the creator's payable; if the account was banned meanwhile it voids both, and the
diamonds are the creator's again (frozen with the account, never lost). `pay_out` sends
what is payable through the payout provider in one batch and posts each payment it
confirms, payable -> clearing.

The daily cap counts requests made since 00:00 UTC, voided ones left out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from reelmint.gifts import books
from reelmint.gifts.context import GiftsContext, day_start_ms, ms, today
from reelmint.gifts.economics import check_cashout, hold_until
from reelmint.gifts.model import CashOut, Conflict, LiveRole, NotEnoughDiamonds, NotFound
from reelmint.gifts.ports import PayoutItem, PayoutProvider
from reelmint.gifts.records import Cashout, CashoutStatus
from reelmint.ledger import Transfer
from reelmint.parties.people import Standing

S = CashoutStatus


@dataclass(frozen=True, slots=True)
class Earnings:
    """A creator's diamonds and dollars, from the books."""

    creator: int
    diamonds: int  # available to cash out
    diamonds_held: int  # reserved by cash-outs on hold
    payable_micros: int  # released, not yet paid out
    paid_micros: int  # paid out, ever


@dataclass(frozen=True, slots=True)
class Released:
    released: list[str]
    voided: list[str]


@dataclass(frozen=True, slots=True)
class PayoutBatch:
    batch: str
    paid: list[str]
    failed: list[tuple[str, str]]  # (cash-out key, the provider's reason)
    amount_micros: int


class Cashouts:
    def __init__(self, ctx: GiftsContext, payouts: PayoutProvider) -> None:
        self.ctx, self.payouts = ctx, payouts

    def earnings(self, creator: int) -> Earnings:
        b = self.ctx.ledger.balances([books.diamonds(creator), books.payable(creator)])
        d, p = b.get(books.diamonds(creator)), b.get(books.payable(creator))
        return Earnings(
            creator,
            0 if d is None else d.available,
            0 if d is None else d.debits_pending,
            0 if p is None else p.posted,
            0 if p is None else p.debits_posted,
        )

    def request(self, cmd: CashOut, now: datetime) -> Cashout:
        """Hold diamonds for a cash-out; a retry of the key returns the request."""
        ctx, now_ms = self.ctx, ms(now)
        known = ctx.store.cashout(cmd.key)
        if known is not None:
            if (known.creator, known.diamonds) != (cmd.creator, cmd.diamonds):
                raise Conflict(f"key {cmd.key!r} already requested {known.diamonds:,} diamonds "
                               f"for creator {known.creator}")  # fmt: skip
            return known
        ctx.person(cmd.creator, LiveRole.RECEIVER, today(now))
        rules = ctx.economics.cashout
        amount = check_cashout(cmd.diamonds, rules.diamond_value_micros,
                               ctx.store.cashed_out(cmd.creator, day_start_ms(now_ms)),
                               rules.minimum_micros, rules.daily_cap_micros)  # fmt: skip
        held = self.earnings(cmd.creator).diamonds
        if held < cmd.diamonds:
            raise NotEnoughDiamonds(f"creator {cmd.creator} holds {held:,} diamonds, fewer than "
                                    f"the {cmd.diamonds:,} asked for")  # fmt: skip
        ctx.open_platform()
        ctx.open(books.creator_accounts(cmd.creator))
        legs = books.cashout_hold(cmd.key, cmd.creator, cmd.diamonds, amount)
        ctx.post(legs, now, "the cash-out")
        record = Cashout(cmd.key, cmd.creator, cmd.diamonds, amount, now_ms,
                         hold_until(now_ms, rules.hold_days))  # fmt: skip
        ctx.store.add_cashout(record)
        return ctx.store.cashout(cmd.key) or record

    def get(self, key: str, creator: int | None = None) -> Cashout:
        found = self.ctx.store.cashout(key)
        if found is None or (creator is not None and found.creator != creator):
            raise NotFound(f"no cash-out {key!r}" + ("" if creator is None else
                                                     f" for creator {creator}"))  # fmt: skip
        return found

    def release(self, now: datetime) -> Released:
        """End every hold due by `now`: post the pair, or void it for a banned account."""
        ctx, now_ms = self.ctx, ms(now)
        due = ctx.store.cashouts_in(S.HELD, before_ms=now_ms)
        people = ctx.people.many(c.creator for c in due)
        released: list[str] = []
        voided: list[str] = []
        legs: list[Transfer] = []
        for c in due:
            person = people.get(c.creator)
            ok = person is not None and person.standing is not Standing.BANNED
            held = books.cashout_hold(c.key, c.creator, c.diamonds, c.amount_micros)
            legs += books.cashout_settle(c.key, held, release=ok)
            (released if ok else voided).append(c.key)
        ctx.post(legs, now, "releasing cash-outs")
        ctx.store.set_cashouts(released, S.PAYABLE, now_ms)
        ctx.store.set_cashouts(voided, S.VOIDED, now_ms)
        return Released(released, voided)

    def pay_out(self, now: datetime, limit: int = 10_000) -> PayoutBatch:
        """Send what is payable in one batch; post each payment the provider confirms."""
        ctx, now_ms = self.ctx, ms(now)
        payable = ctx.store.cashouts_in(S.PAYABLE, limit=limit)
        digest = hashlib.sha256("\n".join(c.key for c in payable).encode()).hexdigest()[:12]
        batch = f"payouts-{now:%Y%m%dT%H%M}-{digest}"
        items = [PayoutItem(c.key, str(c.creator), c.amount_micros) for c in payable]
        results = self.payouts.send(batch, items, now_ms) if items else []
        by_key = {c.key: c for c in payable}
        paid = [r.id for r in results if r.paid]
        legs = [books.payout(k, by_key[k].creator, by_key[k].amount_micros, batch)
                for k in paid]  # fmt: skip
        ctx.post(legs, now, "the payout batch")
        ctx.store.set_cashouts(paid, S.PAID, now_ms, batch)
        failed = [(r.id, r.reason) for r in results if not r.paid]
        return PayoutBatch(batch, paid, failed, sum(by_key[k].amount_micros for k in paid))
