"""Coins: buying them through the gateway, the wallet, and reversing a purchase.

**Buying.** `buy` authorises and captures the price at the gateway (idempotent by the
command's key), records the purchase, then posts it (`books.purchase`). The record comes
first because what the coins do depends on the moment: coins bought by someone who owes
coins pay the debt first, and a retry must post the same legs as the first try.

**Reversing** (a refund the platform grants, or a chargeback the card network forces):
the cash goes back, the store fee and the margin are undone, the coins still in the
wallet are taken back and the rest become the user's debt, which blocks gifting until a
later purchase repays it. With the `claw_back_diamonds` policy the creators who received
the spent coins give back the diamonds those coins bought, as far as they still hold
them. The plan is recorded before it is posted, with an attempt number in its transfer
ids: if the wallet moved in between (a gift sent at that very moment), the books refuse
the whole chain, and the next attempt plans again from the new balance.

Worked example (defaults, web, platform absorbs): 700 coins bought for $7.42, 450 sent
as gifts, 250 left. A chargeback credits $7.42 back to the gateway's clearing: $0.42 of
margin undone, $2.50 of coin liability for the 250 coins taken back, and $4.50 to the
receivable for the 450 coins the user now owes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction

from reelmint.gifts import books
from reelmint.gifts.context import GiftsContext, ms, today
from reelmint.gifts.economics import coin_price_micros, purchase_split
from reelmint.gifts.model import (
    BuyCoins,
    ChargebackPolicy,
    Conflict,
    GiftsError,
    LiveRole,
    NotFound,
    PurchaseSplit,
)
from reelmint.gifts.ports import PaymentGateway, PaymentRefused
from reelmint.gifts.records import Purchase, PurchaseStatus
from reelmint.gifts.webhooks import verify
from reelmint.ledger import Transfer
from reelmint.ledger import TransferResult as R
from reelmint.money import Asset

MAX_ATTEMPTS = 5
FINAL = (PurchaseStatus.REFUNDED, PurchaseStatus.CHARGED_BACK)


@dataclass(frozen=True, slots=True)
class Wallet:
    user: int
    coins: int  # available to send
    debt: int  # owed from reversed purchases; gifting waits until it is 0


class Wallets:
    def __init__(self, ctx: GiftsContext, gateway: PaymentGateway, webhook_key: bytes) -> None:
        self.ctx, self.gateway, self.webhook_key = ctx, gateway, webhook_key

    def wallet(self, user: int) -> Wallet:
        balance = self.ctx.ledger.balances([books.wallet(user)]).get(books.wallet(user))
        return Wallet(user, 0 if balance is None else balance.available, self.ctx.coins_owed(user))

    def buy(self, cmd: BuyCoins, now: datetime) -> Purchase:
        """Charge the buyer and credit the coins; a retry of the key returns the purchase."""
        ctx, now_ms = self.ctx, ms(now)
        known = ctx.store.purchase(cmd.key)
        if known is None:
            ctx.person(cmd.user, LiveRole.BUYER, today(now))
            price = cmd.coins * coin_price_micros(cmd.channel, ctx.economics.coins)
            try:
                payment = self.gateway.authorize(f"coins:{cmd.key}", str(cmd.user), price, now_ms)
                payment = self.gateway.capture(payment.id, now_ms)
            except PaymentRefused as refused:
                raise GiftsError(f"the payment was declined: {refused}") from refused
            split = purchase_split(cmd.channel, cmd.coins, payment.amount_micros,
                                   ctx.economics.coins)  # fmt: skip
            ctx.open_platform()
            ctx.open(books.user_accounts(cmd.user))
            known = Purchase(
                cmd.key,
                cmd.user,
                cmd.channel,
                cmd.coins,
                split.paid_micros,
                split.app_store_fee_micros,
                split.platform_margin_micros,
                min(ctx.coins_owed(cmd.user), cmd.coins),
                payment.id,
                now_ms,
            )
            if not ctx.store.add_purchase(known):
                known = ctx.store.purchase(cmd.key)  # a concurrent retry recorded it first
                assert known is not None
        if (known.buyer, known.channel, known.coins) != (cmd.user, cmd.channel, cmd.coins):
            raise Conflict(f"key {cmd.key!r} already bought {known.coins:,} coins on "
                           f"{known.channel} for user {known.buyer}")  # fmt: skip
        if known.status is PurchaseStatus.CAPTURED:  # a reversed purchase is never re-posted
            self._post_purchase(known, now)
        return known

    def _post_purchase(self, p: Purchase, now: datetime) -> None:
        legs = books.purchase(p.key, p.buyer, _split(p), p.debt_repaid, p.face_micros // p.coins,
                              p.payment_id)  # fmt: skip
        results = self.ctx.ledger.post(legs, now)
        if all(r.succeeded for r in results):
            return
        if any(r == R.EXCEEDS_DEBITS for r in results):  # a concurrent purchase repaid the debt
            # Nothing was posted: give the money back rather than leave it captured.
            self.gateway.refund(p.payment_id, ms(now))
            self.ctx.store.update_purchase(
                replace(
                    p, status=PurchaseStatus.REFUNDED, reversed_ms=ms(now), clawed_back=0, debt=0
                )
            )
            raise Conflict(
                "another purchase repaid this user's debt at the same moment; this one was "
                "refunded in full: buy again with a new key"
            )
        refused = next(f"{t.id} {r}" for t, r in zip(legs, results, strict=True)
                       if not r.succeeded)  # fmt: skip
        raise GiftsError(f"the purchase was refused by the books: {refused}")

    def purchases(self, user: int, limit: int = 100) -> list[Purchase]:
        return self.ctx.store.purchases_of(user, limit)

    def purchase(self, key: str) -> Purchase:
        p = self.ctx.store.purchase(key)
        if p is None:
            raise NotFound(f"no purchase with key {key!r}")
        return p

    # Reversals

    def refund(self, key: str, now: datetime) -> Purchase:
        """Refund a purchase in full at the gateway and reverse it in the books."""
        p = self.purchase(key)
        if p.status is PurchaseStatus.CHARGED_BACK:
            raise Conflict(f"purchase {key!r} was charged back; there is nothing to refund")
        if p.status is PurchaseStatus.CAPTURED:
            try:
                self.gateway.refund(p.payment_id, ms(now))
            except PaymentRefused as refused:
                raise GiftsError(f"the gateway refused the refund: {refused}") from refused
        return self.reverse(p, PurchaseStatus.REFUNDED, now)

    def notify(self, body: bytes, signature: str, now: datetime) -> Purchase | None:
        """Apply a signed gateway notification; None when it changes nothing (a resend,
        or news of a payment the platform already knows the state of)."""
        notice = verify(self.webhook_key, body, signature, ms(now))
        p = self.ctx.store.purchase_by_payment(notice.payment_id)
        if p is None:
            raise NotFound(f"no purchase was paid with {notice.payment_id}")
        if notice.event != "payment.charged_back" or not self.ctx.store.first_notification(
            notice.id, notice.event, notice.payment_id, notice.at_ms
        ):
            return None
        return self.reverse(p, PurchaseStatus.CHARGED_BACK, now)

    def reverse(self, p: Purchase, final: PurchaseStatus, now: datetime) -> Purchase:
        """Take a purchase back out of the books (see the module docstring)."""
        if p.status in FINAL:
            return p
        for _ in range(MAX_ATTEMPTS):
            if p.status is not PurchaseStatus.REVERSING:
                p = self._plan(p, now)
                self.ctx.store.update_purchase(p)
            legs = self._reversal(p, final, now)
            results = self.ctx.ledger.post(legs, now)
            if all(r.succeeded for r in results):
                p = replace(p, status=final)
                self.ctx.store.update_purchase(p)
                return p
            p = replace(p, status=PurchaseStatus.CAPTURED)  # plan again from the balances now
        raise GiftsError(f"purchase {p.key!r} could not be reversed after {MAX_ATTEMPTS} tries; "
                         "its balances keep moving. Try again.")  # fmt: skip

    def _plan(self, p: Purchase, now: datetime) -> Purchase:
        ctx = self.ctx
        in_wallet = p.coins - p.debt_repaid
        clawed = min(in_wallet, max(self.wallet(p.buyer).coins, 0))
        spent = in_wallet - clawed
        policy = ChargebackPolicy(ctx.economics.gifts.chargeback_policy)
        claw = policy is ChargebackPolicy.CLAW_BACK_DIAMONDS
        clawbacks = self._clawbacks(p, spent) if claw else ()
        return replace(
            p,
            status=PurchaseStatus.REVERSING,
            reversed_ms=ms(now),
            clawed_back=clawed,
            debt=p.coins - clawed,
            clawbacks=clawbacks,
            attempt=p.attempt + 1,
        )

    def _clawbacks(self, p: Purchase, spent: int) -> tuple[tuple[int, int], ...]:
        """Diamonds to take back per creator: the gifts sent since the purchase, oldest
        first, paid for the spent coins, each creator's diamonds rounded down and capped
        at what the creator still holds."""
        coins_to: dict[int, int] = {}
        left = spent
        for sent in self.ctx.store.sends_of(p.buyer, p.at_ms):
            if left <= 0:
                break
            take = min(sent.coins, left)
            coins_to[sent.creator] = coins_to.get(sent.creator, 0) + take
            left -= take
        share = Fraction(self.ctx.economics.gifts.creator_share)
        held = self.ctx.ledger.balances([books.diamonds(c) for c in coins_to])
        out = []
        for creator in sorted(coins_to):
            owed = int(coins_to[creator] * self.ctx.face * share // self.ctx.diamond_value)
            balance = held.get(books.diamonds(creator))
            take = min(owed, 0 if balance is None else max(balance.available, 0))
            if take > 0:
                out.append((creator, take))
        return tuple(out)

    def _reversal(self, p: Purchase, final: PurchaseStatus, now: datetime) -> list[Transfer]:
        code = "gifts.refund" if final is PurchaseStatus.REFUNDED else "gifts.chargeback"
        step, face = f"{code}:{p.key}:{p.attempt}", p.face_micros // p.coins
        clawed, debt = p.clawed_back or 0, p.debt or 0

        def leg(name: str, debit: str, credit: str, amount: int, asset: Asset) -> Transfer:
            return Transfer(f"{step}:{name}", debit, credit, amount, asset, code, p.payment_id,
                            )  # fmt: skip

        legs = [
            leg("fee", books.STORE_FEES, books.CLEARING, p.fee_micros, Asset.USD),
            leg("margin", books.COIN_MARGIN, books.CLEARING, p.margin_micros, Asset.USD),
            leg("liability", books.COIN_LIABILITY, books.CLEARING, clawed * face, Asset.USD),
            leg("receivable", books.COIN_RECEIVABLE, books.CLEARING, debt * face, Asset.USD),
            leg("coins", books.wallet(p.buyer), books.COIN_TREASURY, clawed, Asset.COIN),
            leg("debt", books.coin_debt(p.buyer), books.COIN_TREASURY, debt, Asset.COIN),
        ]
        for creator, count in p.clawbacks:
            legs.append(leg(f"diamonds-{creator}", books.diamonds(creator),
                            books.DIAMOND_TREASURY, count, Asset.DIAMOND))  # fmt: skip
            legs.append(leg(f"value-{creator}", books.DIAMOND_LIABILITY, books.CLAWBACK_REVENUE,
                            count * self.ctx.diamond_value, Asset.USD))  # fmt: skip
        return books.chain(legs)


def _split(p: Purchase) -> PurchaseSplit:
    return PurchaseSplit(p.channel, p.coins, p.paid_micros, p.fee_micros, p.face_micros,
                         p.margin_micros)  # fmt: skip
