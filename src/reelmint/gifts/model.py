"""The LIVE gifts vocabulary: channels, packs, the gift catalog, splits, commands, events.

Pure: no I/O, no clock, no framework. The arithmetic that fills the splits and the rules
that refuse a purchase, a gift or a cash-out live in `reelmint.gifts.economics`.

The money path, with the defaults of DESIGN.md section 5:

1. A viewer buys 100 coins in-app for $1.51. Apple or Google keep 30% ($0.453); the
   coins are a liability of their face value ($1.00) until they are spent; the platform
   keeps the rest ($0.057). See `PurchaseSplit`.
2. The viewer sends a Rainbow puke (100 coins) during a creator's LIVE. The coins' face
   value ($1.00) is split: the creator gets 100 diamonds worth $0.005 each ($0.50) and
   the platform keeps $0.50. See `GiftSplit`.
3. The creator cashes out 1,000 diamonds ($5.00): at least $1, at most $1,000 a day, and
   paid after a 15-day hold.

Catalog worked example: the defaults hold ten gifts from Rose (1 coin) to Universe
(44,999 coins). `catalog.retire("Lion")` returns a catalog in which
`sendable("Lion")` raises `GiftRetired`; the old catalog is unchanged, and the name
"Lion" can never be added again, because past sent gifts refer to gifts by name.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, replace

from reelmint.settings import GiftSettings

DAY_MS = 86_400_000


class GiftsError(ValueError):
    """Gifts input that cannot be accepted; the message says why and what would be."""


class BadAmount(GiftsError):
    """A count of coins, diamonds or micros that is not a positive whole number."""


class PricingError(GiftsError):
    """Settings that would sell coins below face value or pay creators more than face."""


class CatalogError(GiftsError):
    """A catalog change or look-up that cannot be made."""


class DuplicateGift(CatalogError):
    pass


class UnknownGift(CatalogError):
    pass


class BadGiftPrice(CatalogError):
    pass


class GiftRetired(CatalogError):
    pass


class UnderAge(GiftsError):
    """Below the minimum age to host, send, buy or receive."""


class DailyLimitExceeded(GiftsError):
    """The sender's daily coin spending limit would be passed."""


class CashoutRefused(GiftsError):
    """A cash-out below the minimum or above what the daily cap leaves."""


class NotFound(GiftsError):
    """No such LIVE, purchase, cash-out or person."""


class NotYours(GiftsError):
    """The LIVE, purchase or cash-out belongs to someone else."""


class Conflict(GiftsError):
    """An idempotency key already stands for a different request."""


class NotLive(GiftsError):
    """The LIVE has ended (or the creator already has one running)."""


class NotAllowed(GiftsError):
    """The account is not in good standing, or owes coins from a reversed purchase."""


class NotEnoughCoins(GiftsError):
    pass


class NotEnoughDiamonds(GiftsError):
    pass


class CashoutBelowMinimum(CashoutRefused):
    pass


class CashoutOverDailyCap(CashoutRefused):
    pass


def check_positive(value: int, what: str) -> int:
    """`value` if it is a whole number above zero, else BadAmount naming `what`."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BadAmount(f"{what} must be a whole number above zero (got {value!r})")
    return value


class Channel(enum.StrEnum):
    """Where coins are bought. In-app purchases pay the app store's fee; the web does not."""

    WEB = "web"
    IN_APP = "in_app"


class LiveRole(enum.StrEnum):
    """The four things a person does in LIVE gifting, each behind the same age gate."""

    HOST = "host"
    SENDER = "sender"
    BUYER = "buyer"
    RECEIVER = "receiver"


class ChargebackPolicy(enum.StrEnum):
    """Who bears coins that were spent before their purchase was charged back.

    PLATFORM_ABSORBS: the creator keeps the diamonds; the platform books the loss.
    CLAW_BACK_DIAMONDS: the platform takes diamonds back from the creators who received
    the gifts (up to what they still hold), and absorbs the rest.
    """

    PLATFORM_ABSORBS = "platform_absorbs"
    CLAW_BACK_DIAMONDS = "claw_back_diamonds"


@dataclass(frozen=True, slots=True)
class CoinPack:
    """A preset on the coin shop: `coins` for `price_micros` on one channel."""

    id: str
    channel: Channel
    coins: int
    price_micros: int

    def __post_init__(self) -> None:
        check_positive(self.coins, "a pack's coins")
        check_positive(self.price_micros, "a pack's price in micros")


@dataclass(frozen=True, slots=True)
class PurchaseSplit:
    """Where the money paid for coins goes, in USD micros.

    fee + liability + margin == paid, always: the constructor refuses anything else.
    The margin is negative only for a sale below face value plus fee, which
    `economics.check_prices` keeps settings from ever pricing.
    """

    channel: Channel
    coins: int
    paid_micros: int
    app_store_fee_micros: int
    coin_liability_micros: int
    platform_margin_micros: int

    def __post_init__(self) -> None:
        parts = self.app_store_fee_micros + self.coin_liability_micros
        if parts + self.platform_margin_micros != self.paid_micros:
            raise GiftsError(f"purchase parts do not sum to {self.paid_micros} paid")


@dataclass(frozen=True, slots=True)
class GiftSplit:
    """Where the face value of gifted coins goes: diamonds to the creator, the rest kept.

    creator_value + platform_revenue == face value, always.
    """

    coins: int
    face_value_micros: int
    diamonds: int
    creator_value_micros: int
    platform_revenue_micros: int

    def __post_init__(self) -> None:
        if self.creator_value_micros + self.platform_revenue_micros != self.face_value_micros:
            raise GiftsError(f"gift parts do not sum to face value {self.face_value_micros}")


@dataclass(frozen=True, slots=True)
class Gift:
    name: str
    coins: int
    retired: bool = False

    def __post_init__(self) -> None:
        if not self.name.strip() or self.name != self.name.strip():
            raise CatalogError(f"a gift needs a name without leading or trailing spaces "
                               f"(got {self.name!r})")  # fmt: skip
        if isinstance(self.coins, bool) or not isinstance(self.coins, int) or self.coins <= 0:
            raise BadGiftPrice(f"gift {self.name!r} must cost a whole number of coins above "
                               f"zero (got {self.coins!r})")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Catalog:
    """The gifts on offer, in display order. Immutable: every change returns a new one.

    Retired gifts stay listed so that their name is never reused and old events still
    resolve to a price; they just cannot be sent.
    """

    gifts: tuple[Gift, ...] = ()

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for gift in self.gifts:
            if gift.name in seen:
                raise DuplicateGift(f"gift {gift.name!r} is listed twice")
            seen.add(gift.name)

    @classmethod
    def from_settings(cls, settings: GiftSettings) -> Catalog:
        return cls(tuple(Gift(name, coins) for name, coins in settings.catalog.items()))

    def __iter__(self) -> Iterator[Gift]:
        return iter(self.gifts)

    def __len__(self) -> int:
        return len(self.gifts)

    def __contains__(self, name: object) -> bool:
        return any(g.name == name for g in self.gifts)

    def get(self, name: str) -> Gift:
        """The gift called `name`, retired or not; UnknownGift if there is none."""
        for gift in self.gifts:
            if gift.name == name:
                return gift
        known = ", ".join(g.name for g in self.gifts if not g.retired) or "none"
        raise UnknownGift(f"no gift called {name!r}; on offer: {known}")

    def sendable(self, name: str) -> Gift:
        """The gift called `name` if it may be sent now; GiftRetired if it is retired."""
        gift = self.get(name)
        if gift.retired:
            raise GiftRetired(f"gift {name!r} is retired and can no longer be sent")
        return gift

    @property
    def on_offer(self) -> tuple[Gift, ...]:
        return tuple(g for g in self.gifts if not g.retired)

    def add(self, name: str, coins: int) -> Catalog:
        if name in self:
            raise DuplicateGift(f"gift {name!r} already exists; names are never reused")
        return Catalog((*self.gifts, Gift(name, coins)))

    def reprice(self, name: str, coins: int) -> Catalog:
        """A new price for `name`; a retired gift keeps the price it was last sent at."""
        return self._with(replace(self.sendable(name), coins=coins))

    def retire(self, name: str) -> Catalog:
        """Retire `name`; retiring a retired gift changes nothing (a retry is harmless)."""
        gift = self.get(name)
        return self if gift.retired else self._with(replace(gift, retired=True))

    def _with(self, changed: Gift) -> Catalog:
        return Catalog(tuple(changed if g.name == changed.name else g for g in self.gifts))


# Commands: what someone asks for. `key` is the client's idempotency key; the service uses
# it (with a suffix per leg) as the ledger transfer ids, so a retry posts nothing twice.


@dataclass(frozen=True, slots=True)
class BuyCoins:
    """Buy `coins` on `channel`; the price is the channel's per-coin price times coins."""

    key: str
    user: int
    channel: Channel
    coins: int

    def __post_init__(self) -> None:
        check_key(self.key)
        check_positive(self.coins, "coins to buy")


@dataclass(frozen=True, slots=True)
class SendGift:
    """Send `count` of the gift `gift` to the host of LIVE `live` (a combo is count > 1)."""

    key: str
    sender: int
    live: int
    gift: str
    count: int = 1

    def __post_init__(self) -> None:
        check_key(self.key)
        check_positive(self.count, "the number of gifts")
        if self.count > MAX_COMBO:
            raise GiftsError(f"a combo is at most {MAX_COMBO:,} gifts (got {self.count:,})")


@dataclass(frozen=True, slots=True)
class CashOut:
    """Turn `diamonds` into USD for the creator, paid after the hold."""

    key: str
    creator: int
    diamonds: int

    def __post_init__(self) -> None:
        check_key(self.key)
        check_positive(self.diamonds, "diamonds to cash out")


MAX_COMBO = 10_000


def check_key(key: str) -> str:
    if not isinstance(key, str) or not key or len(key) > 128 or key != key.strip():
        raise GiftsError(f"an idempotency key is 1 to 128 characters without surrounding "
                         f"spaces (got {key!r})")  # fmt: skip
    return key
