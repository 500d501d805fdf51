"""LIVE gifts arithmetic and rules: prices, purchase and gift splits, limits, cash-out.

Pure integer arithmetic: USD in micros, coins and diamonds whole. Ratios (the app-store
fee, the creator share) are exact Fractions, rounded once with a named rule.

Worked example, with the defaults of DESIGN.md section 5:

- **Buying.** 100 coins in-app cost 100 x $0.0151 = $1.51 (1,510,000 micros). The app
  store keeps 30%, 453,000; the coins are owed at face value, 100 x $0.01 = 1,000,000;
  the platform keeps the remaining 57,000. On the web the same 100 coins cost $1.06,
  with no fee, so the margin is 60,000.
- **Gifting.** A Rose (1 coin) has a face value of 10,000 micros. The creator's half,
  5,000, buys floor(5,000 / 5,000) = 1 diamond; the platform keeps 5,000.
- **Cashing out.** 1,000 diamonds x $0.005 = $5.00: above the $1 minimum and inside the
  $1,000 daily cap, so it is payable, 15 days after the request.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_EVEN
from fractions import Fraction

from reelmint.gifts.model import (
    DAY_MS,
    CashoutBelowMinimum,
    CashoutOverDailyCap,
    Channel,
    CoinPack,
    DailyLimitExceeded,
    GiftsError,
    GiftSplit,
    LiveRole,
    PricingError,
    PurchaseSplit,
    UnderAge,
    check_positive,
)  # fmt: skip
from reelmint.money import Asset, format_amount, round_ratio
from reelmint.settings import CashoutSettings, CoinSettings, GiftSettings

DEFAULT_PACK_SIZES = (70, 350, 700, 1_400, 3_500, 7_000, 17_500)


def coin_price_micros(channel: Channel, coins: CoinSettings) -> int:
    """The retail price of one coin on `channel`."""
    return coins.in_app_price_micros if channel is Channel.IN_APP else coins.web_price_micros


def store_fee(channel: Channel, coins: CoinSettings) -> Fraction:
    """The app store's cut of a sale on `channel`: the web pays none."""
    return Fraction(coins.app_store_fee) if channel is Channel.IN_APP else Fraction(0)


def packs(
    coin_settings: CoinSettings, sizes: tuple[int, ...] = DEFAULT_PACK_SIZES
) -> tuple[CoinPack, ...]:
    """The coin shop: each size on each channel, priced at coins x the per-coin price.

    Packs carry no volume discount, so every pack has the margin `check_prices` vouches
    for. Ids read `<channel>-<coins>`, e.g. `in_app-70` (70 coins for $1.057).
    """
    return tuple(
        CoinPack(f"{c}-{size}", c, size, size * coin_price_micros(c, coin_settings))
        for c in Channel
        for size in sizes
    )  # fmt: skip


def check_prices(coin_settings: CoinSettings) -> CoinSettings:
    """Refuse settings under which selling coins at list price would lose money.

    A coin must bring in at least its face value after the store's fee, or every sale
    books a negative margin: in-app, $0.0151 x (1 - 30%) = $0.01057 >= $0.01. When this
    holds per coin it holds for any count, because the fee is rounded half-even and so
    is never more than half a micro above its exact value.
    """
    fee = Fraction(coin_settings.app_store_fee)
    if not 0 <= fee < 1:
        raise PricingError(f"the app-store fee must be at least 0% and below 100% (got {fee})")
    face = coin_settings.face_value_micros
    for channel in Channel:
        price = coin_price_micros(channel, coin_settings)
        net = price * (1 - store_fee(channel, coin_settings))
        if net < face:
            raise PricingError(
                f"{channel} coins sell at {_usd(price)}, which leaves {_usd(net)} after the "
                f"app-store fee, below their face value of {_usd(face)}"
            )
    return coin_settings


def purchase_split(
    channel: Channel, coins: int, price_micros: int, coin_settings: CoinSettings
) -> PurchaseSplit:
    """Split what was paid for `coins` into store fee, coin liability and margin.

    `price_micros` is what the gateway captured, not recomputed here: the books must
    record the money that arrived, even at an odd price.
    """
    check_positive(coins, "coins bought")
    check_positive(price_micros, "the price paid in micros")
    fee = round_ratio(price_micros * store_fee(channel, coin_settings), ROUND_HALF_EVEN)
    liability = coins * coin_settings.face_value_micros
    return PurchaseSplit(
        channel, coins, price_micros, fee, liability, price_micros - fee - liability
    )


def check_creator_share(share: Fraction) -> Fraction:
    """A creator share of gifts lies in [0, 1]: above 1 the platform would pay to host."""
    if not 0 <= share <= 1:
        raise PricingError(f"the creator share of gifts must be 0% to 100% (got {share})")
    return share


def gift_split(
    coins: int,
    gift_settings: GiftSettings,
    cashout_settings: CashoutSettings,
    coin_settings: CoinSettings,
) -> GiftSplit:
    """Split the face value of `coins` gifted into the creator's diamonds and the rest.

    Diamonds are whole, so the creator's value is rounded down to a whole diamond and
    the fraction of a diamond stays with the platform. A combo is split once on its
    total, so ten Roses never pay less than one gift of ten coins.
    """
    check_positive(coins, "coins gifted")
    face = coins * coin_settings.face_value_micros
    share = check_creator_share(Fraction(gift_settings.creator_share))
    value = cashout_settings.diamond_value_micros
    diamonds = round_ratio(face * share / value, ROUND_FLOOR)
    return GiftSplit(coins, face, diamonds, diamonds * value, face - diamonds * value)


_DOING = {
    LiveRole.HOST: "host a LIVE",
    LiveRole.SENDER: "send gifts",
    LiveRole.BUYER: "buy coins",
    LiveRole.RECEIVER: "receive gifts",
}


def check_age(age: int, min_age: int, role: LiveRole) -> None:
    """Refuse anyone under `min_age` (18 by default) in any LIVE gifting role."""
    if age < min_age:
        raise UnderAge(f"you must be {min_age} or older to {_DOING[role]}")


def check_daily_limit(spent_today_coins: int, coins: int, limit: int | None) -> None:
    """Refuse spending `coins` more if it would take today's spend past `limit` (None: off)."""
    if limit is not None and spent_today_coins + coins > limit:
        left = max(limit - spent_today_coins, 0)
        raise DailyLimitExceeded(f"this costs {coins:,} coins but only {left:,} of today's "
                                 f"{limit:,}-coin limit remain")  # fmt: skip


def check_cashout(
    diamonds: int,
    diamond_value: int,
    paid_out_today_micros: int,
    minimum_micros: int,
    daily_cap_micros: int,
) -> int:
    """The USD micros payable for `diamonds`, or CashoutRefused saying what would pass.

    Worked example: with $999.00 already cashed out today, 1,000 diamonds ($5.00) are
    refused, and the message says $1.00 (200 diamonds) remains.
    """
    check_positive(diamonds, "diamonds to cash out")
    amount = diamonds * diamond_value
    if amount < minimum_micros:
        raise CashoutBelowMinimum(f"cash-outs start at {_usd(minimum_micros)}; {diamonds:,} "
                                  f"diamonds are worth {_usd(amount)}")  # fmt: skip
    left = max(daily_cap_micros - paid_out_today_micros, 0)
    if amount > left:
        raise CashoutOverDailyCap(
            f"{diamonds:,} diamonds are worth {_usd(amount)}, but only {_usd(left)} "
            f"({left // diamond_value:,} diamonds) of today's {_usd(daily_cap_micros)} "
            "cash-out cap remains"
        )
    return amount


def hold_until(now_ms: int, hold_days: int) -> int:
    """When a cash-out requested at `now_ms` may be paid: `hold_days` whole days later."""
    if hold_days < 0:
        raise GiftsError(f"a hold cannot be negative (got {hold_days} days)")
    return now_ms + hold_days * DAY_MS


def _usd(micros: int | Fraction) -> str:
    exact = micros if isinstance(micros, int) else round_ratio(micros, ROUND_FLOOR)
    return format_amount(Asset.USD, exact, exact=True)
