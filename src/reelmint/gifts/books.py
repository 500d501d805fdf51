"""The gifts' ledger accounts and the transfers each money step posts. Pure.

Three assets meet here, each with its issuer account on the platform:

- **buy**: COIN treasury -> wallet; USD clearing -> store fee, coin liability, coin margin.
- **gift**: COIN wallet -> treasury; USD coin liability -> diamond liability and gift
  revenue; DIAMOND treasury -> creator.
- **cash-out**, held: DIAMOND creator -> treasury and USD diamond liability -> creator
  payable, both pending until the hold ends.
- **payout**: USD creator payable -> clearing.

So at every moment, on posted balances:

- coin liability (USD) - coin debt receivable (USD) = coins the treasury has out x face,
- diamond liability (USD) = diamonds the treasury has out x diamond value,

which `invariants` checks and the tests assert after every flow. A purchase of coins by
a user who owes coins (after a refund or chargeback of coins already spent) pays the debt
first: those coins go from the treasury to the debt account, and their face value to the
receivable instead of the liability.

No leg carries a timestamp: each is stamped with the `now` its batch is posted at, which
also lets a batch of gifts take the books' columnar fast path.

Transfer ids are `gifts.<step>:<key>:<leg>`, the key being the client's idempotency key,
so a retry is `exists` leg by leg and posts nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from reelmint.gifts.model import GiftSplit, PurchaseSplit
from reelmint.ledger import Account, AccountFlags, Balance, Transfer, TransferKind
from reelmint.money import Asset

CLEARING = "platform:cash:clearing"  # cash in from the gateway, out to payouts
STORE_FEES = "platform:fees:app_store"
COIN_LIABILITY = "platform:liability:coins"
COIN_MARGIN = "platform:revenue:coins"
GIFT_REVENUE = "platform:revenue:gifts"
DIAMOND_LIABILITY = "platform:liability:diamonds"
COIN_RECEIVABLE = "platform:receivable:coin_debt"
CLAWBACK_REVENUE = "platform:revenue:clawbacks"
COIN_TREASURY = "platform:treasury:coins"
DIAMOND_TREASURY = "platform:treasury:diamonds"

PLATFORM_ACCOUNTS = (
    Account(CLEARING, Asset.USD),
    Account(STORE_FEES, Asset.USD),
    Account(COIN_LIABILITY, Asset.USD),
    Account(COIN_MARGIN, Asset.USD),
    Account(GIFT_REVENUE, Asset.USD),
    Account(DIAMOND_LIABILITY, Asset.USD),
    Account(COIN_RECEIVABLE, Asset.USD),
    Account(CLAWBACK_REVENUE, Asset.USD),
    Account(COIN_TREASURY, Asset.COIN),
    Account(DIAMOND_TREASURY, Asset.DIAMOND),
)


def wallet(user: int) -> str:
    return f"user:{user}:coins"


def coin_debt(user: int) -> str:
    return f"user:{user}:coin_debt"


def diamonds(creator: int) -> str:
    return f"creator:{creator}:diamonds"


def payable(creator: int) -> str:
    return f"creator:{creator}:payable"


def user_accounts(user: int) -> list[Account]:
    """A wallet that never goes below zero and a debt account that is only ever owed."""
    return [Account(wallet(user), Asset.COIN, AccountFlags.NO_OVERDRAFT),
            Account(coin_debt(user), Asset.COIN, AccountFlags.NO_CREDIT_BALANCE)]  # fmt: skip


def creator_accounts(creator: int) -> list[Account]:
    return [Account(diamonds(creator), Asset.DIAMOND, AccountFlags.NO_OVERDRAFT),
            Account(payable(creator), Asset.USD, AccountFlags.NO_OVERDRAFT)]  # fmt: skip


def chain(transfers: Iterable[Transfer | None]) -> list[Transfer]:
    """The transfers that move something, linked so that they succeed or fail as one.

    Legs of zero (no store fee on the web, no diamond from a share of zero) are left
    out: the books refuse an amount of zero, and nothing is lost by not moving it.
    """
    kept = [t for t in transfers if t is not None and t.amount != 0]  # None: settle all
    return [_link(t, i < len(kept) - 1) for i, t in enumerate(kept)]


def _link(t: Transfer, linked: bool) -> Transfer:
    return Transfer(t.id, t.debit, t.credit, t.amount, t.asset, t.code, t.ref, t.kind,
                    t.pending_id, t.timeout, linked, t.timestamp)  # fmt: skip


def purchase(key: str, user: int, split: PurchaseSplit, debt_repaid: int, face: int,
             payment_id: str) -> list[Transfer]:  # fmt: skip
    """A purchase of `split.coins`, of which `debt_repaid` settle what the user owes."""
    code, step = "gifts.buy", f"gifts.buy:{key}"
    to_wallet = split.coins - debt_repaid

    def usd(leg: str, credit: str, amount: int) -> Transfer:
        return Transfer(f"{step}:{leg}", CLEARING, credit, amount, Asset.USD, code,
                        payment_id)  # fmt: skip

    return chain([
        usd("fee", STORE_FEES, split.app_store_fee_micros),
        usd("liability", COIN_LIABILITY, to_wallet * face),
        usd("receivable", COIN_RECEIVABLE, debt_repaid * face),
        usd("margin", COIN_MARGIN, split.platform_margin_micros),
        Transfer(f"{step}:coins", COIN_TREASURY, wallet(user), to_wallet, Asset.COIN, code,
                 payment_id),
        Transfer(f"{step}:debt", COIN_TREASURY, coin_debt(user), debt_repaid, Asset.COIN,
                 code, payment_id),
    ])  # fmt: skip


def gift(key: str, sender: int, creator: int, split: GiftSplit) -> list[Transfer]:
    """One gift (or combo): coins out of the wallet, value to the creator and the platform."""
    code, step, ref = "gifts.send", f"gifts.send:{key}", f"live-gift:{key}"
    return chain([
        spend(key, sender, split.coins),
        Transfer(f"{step}:creator", COIN_LIABILITY, DIAMOND_LIABILITY,
                 split.creator_value_micros, Asset.USD, code, ref),
        Transfer(f"{step}:revenue", COIN_LIABILITY, GIFT_REVENUE, split.platform_revenue_micros,
                 Asset.USD, code, ref),
        Transfer(f"{step}:diamonds", DIAMOND_TREASURY, diamonds(creator), split.diamonds,
                 Asset.DIAMOND, code, ref),
    ])  # fmt: skip


def spend(key: str, sender: int, coins: int, linked: bool = False) -> Transfer:
    """The one leg of a gift that can be refused: the sender's coins back to the treasury."""
    return Transfer(f"gifts.send:{key}:coins", wallet(sender), COIN_TREASURY, coins,
                    Asset.COIN, "gifts.send", f"live-gift:{key}", linked=linked)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BatchTotals:
    """What a batch of gifts owes, summed: per creator, and the platform's revenue."""

    creator_value: Mapping[int, int]  # creator -> USD micros
    creator_diamonds: Mapping[int, int]  # creator -> diamonds
    revenue: int


def gift_batch(batch_id: str, spends: Sequence[tuple[str, int, int]],
               totals: BatchTotals) -> list[Transfer]:  # fmt: skip
    """Many gifts as one all-or-nothing chain: one coin leg per gift, then the value legs
    summed per creator. A batch of 10,000 gifts to 50 creators is 10,101 transfers, not
    40,000, and the books still hold every sender's spend on its own transfer."""
    code, step = "gifts.send", f"gifts.batch:{batch_id}"
    # The coin legs are built linked at once (`chain` would copy 10,000 transfers to link
    # them); the value legs go through `chain`, which leaves out any of zero.
    legs = [spend(key, sender, coins, linked=True) for key, sender, coins in spends]
    value: list[Transfer | None] = []
    for creator in sorted(totals.creator_value):
        value.append(
            Transfer(
                f"{step}:{creator}:creator",
                COIN_LIABILITY,
                DIAMOND_LIABILITY,
                totals.creator_value[creator],
                Asset.USD,
                code,
                step,
            )
        )
        value.append(
            Transfer(
                f"{step}:{creator}:diamonds",
                DIAMOND_TREASURY,
                diamonds(creator),
                totals.creator_diamonds[creator],
                Asset.DIAMOND,
                code,
                step,
            )
        )
    value.append(Transfer(f"{step}:revenue", COIN_LIABILITY, GIFT_REVENUE, totals.revenue,
                          Asset.USD, code, step))  # fmt: skip
    tail = chain(value)
    if not tail and legs:  # nothing of value moved: the last coin leg closes the chain
        legs[-1] = _link(legs[-1], False)
    return legs + tail


def cashout_hold(key: str, creator: int, count: int, amount: int) -> list[Transfer]:
    """Reserve the diamonds and the dollars until the hold ends: both legs pending, so
    the diamonds cannot be cashed out twice and a ban can still void the pair."""
    code, step = "gifts.cashout", f"gifts.cashout:{key}"
    return chain([
        Transfer(f"{step}:diamonds", diamonds(creator), DIAMOND_TREASURY, count, Asset.DIAMOND,
                 code, key, TransferKind.PENDING),
        Transfer(f"{step}:usd", DIAMOND_LIABILITY, payable(creator), amount, Asset.USD, code,
                 key, TransferKind.PENDING),
    ])  # fmt: skip


def cashout_settle(key: str, held: list[Transfer], release: bool) -> list[Transfer]:
    """Post both held legs when the hold ends (`release`), or void both."""
    leg = "release" if release else "void"
    make = Transfer.settle if release else Transfer.void
    return chain([make(f"{t.id}:{leg}", t, code="gifts.cashout") for t in held])


def payout(key: str, creator: int, amount: int, batch: str) -> Transfer:
    return Transfer(f"gifts.payout:{key}", payable(creator), CLEARING, amount, Asset.USD,
                    "gifts.payout", batch)  # fmt: skip


def invariants(balances: Mapping[str, Balance], face: int, diamond_value: int) -> list[str]:
    """The two identities in the module docstring, on posted balances; [] when they hold."""

    def posted(account: str) -> int:
        b = balances.get(account)
        return 0 if b is None else b.posted

    problems = []
    coins_out = -posted(COIN_TREASURY)
    coin_value = posted(COIN_LIABILITY) + posted(COIN_RECEIVABLE)  # the receivable is a debit
    if coin_value != coins_out * face:
        problems.append(f"coin liability less debts is {coin_value} micros, but {coins_out} "
                        f"coins are out at {face} each")  # fmt: skip
    diamonds_out = -posted(DIAMOND_TREASURY)
    if posted(DIAMOND_LIABILITY) != diamonds_out * diamond_value:
        problems.append(
            f"diamond liability is {posted(DIAMOND_LIABILITY)} micros, but "
            f"{diamonds_out} diamonds are out at {diamond_value} each"
        )
    return problems
