"""Money: assets, integer amounts, largest-remainder splits, parsing and display.

Every amount in reelmint is an integer count of an asset's minor unit. USD is kept in
micros (1 USD = 1,000,000), as the Google Ads API does, so that a CPM of $0.000123 per
impression is still exact. COIN and DIAMOND are whole units. Nothing here touches a
float: rates are `Fraction`s or `Decimal`s applied with explicit rounding.

Worked example: a $10.00 pool split 1:1:1 gives 3,333,334 + 3,333,333 + 3,333,333
micros. The extra micro goes to the first party in the stable tie-break order, and the
three parts sum to exactly 10,000,000.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
)
from fractions import Fraction
from typing import Final

# The ledger stores amounts as signed 64-bit integers; sums over an account must fit too,
# so a single amount is capped well below that.
MAX_AMOUNT: Final = 2**62


class MoneyError(ValueError):
    """Bad money input: the message is meant to be shown to the person who typed it."""


class Asset(enum.StrEnum):
    """An asset the books hold. The value is its ledger code."""

    USD = "USD"
    COIN = "COIN"
    DIAMOND = "DIAMOND"

    @property
    def scale(self) -> int:
        """Decimal places of the minor unit: USD micros have 6, coins and diamonds 0."""
        return _SCALES[self]

    @property
    def unit(self) -> int:
        """Minor units per whole unit (10 ** scale)."""
        return int(10**self.scale)

    @property
    def display_places(self) -> int:
        """Decimal places shown to people ($12.34), however fine the minor unit."""
        return _DISPLAY_PLACES[self]


_SCALES: Final = {Asset.USD: 6, Asset.COIN: 0, Asset.DIAMOND: 0}
_DISPLAY_PLACES: Final = {Asset.USD: 2, Asset.COIN: 0, Asset.DIAMOND: 0}

# Words people type for each asset, all lower case.
_ASSET_WORDS: Final = {
    "usd": Asset.USD,
    "$": Asset.USD,
    "dollar": Asset.USD,
    "dollars": Asset.USD,
    "coin": Asset.COIN,
    "coins": Asset.COIN,
    "diamond": Asset.DIAMOND,
    "diamonds": Asset.DIAMOND,
}


def asset_of(text: str) -> Asset:
    """The asset named by `text` (`USD`, `coins`, `Diamond`...), or a MoneyError."""
    found = _ASSET_WORDS.get(text.strip().lower())
    if found is None:
        known = ", ".join(a.value for a in Asset)
        raise MoneyError(f"unknown asset {text.strip()!r}; known assets: {known}")
    return found


@dataclass(frozen=True, slots=True, order=True)
class Amount:
    """An integer quantity of one asset's minor unit.

    Arithmetic is defined only between amounts of the same asset, and scaling only by
    integers or exact ratios with an explicit rounding rule.

    >>> Amount.parse("$12.34") + Amount.parse("0.66 USD")
    Amount(asset=<Asset.USD: 'USD'>, minor=13000000)
    """

    asset: Asset
    minor: int

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise TypeError(f"minor units must be an int, got {type(self.minor).__name__}")
        if abs(self.minor) > MAX_AMOUNT:
            raise MoneyError(f"amount {self.minor} is beyond the supported range")

    @classmethod
    def zero(cls, asset: Asset) -> Amount:
        return cls(asset, 0)

    @classmethod
    def parse(cls, text: str, *, default_asset: Asset | None = None) -> Amount:
        """Parse user text; see `parse_amount`."""
        asset, minor = parse_amount(text, default_asset=default_asset)
        return cls(asset, minor)

    def _same(self, other: Amount) -> None:
        if self.asset is not other.asset:
            raise MoneyError(f"cannot combine {self.asset.value} with {other.asset.value}")

    def __add__(self, other: Amount) -> Amount:
        self._same(other)
        return Amount(self.asset, self.minor + other.minor)

    def __sub__(self, other: Amount) -> Amount:
        self._same(other)
        return Amount(self.asset, self.minor - other.minor)

    def __neg__(self) -> Amount:
        return Amount(self.asset, -self.minor)

    def times(self, factor: int | Fraction | Decimal, rounding: str = ROUND_HALF_EVEN) -> Amount:
        """Scale by an exact factor, rounding the result to a whole minor unit."""
        return Amount(self.asset, round_ratio(Fraction(self.minor) * Fraction(factor), rounding))

    def allocate(self, weights: Sequence[int]) -> list[Amount]:
        """Split into parts proportional to `weights`; see `allocate`."""
        return [Amount(self.asset, p) for p in allocate(self.minor, weights)]

    def __str__(self) -> str:
        return format_amount(self.asset, self.minor)


_ROUNDINGS: Final = frozenset(
    {ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_FLOOR, ROUND_CEILING, ROUND_DOWN}
)


def round_ratio(value: Fraction, rounding: str = ROUND_HALF_EVEN) -> int:
    """Round an exact ratio to an integer, in pure integer arithmetic.

    `rounding` is one of Decimal's modes: ROUND_HALF_EVEN (the default, banker's),
    ROUND_HALF_UP (half away from zero), ROUND_FLOOR, ROUND_CEILING or ROUND_DOWN.

    >>> round_ratio(Fraction(5, 2)), round_ratio(Fraction(7, 2)), round_ratio(Fraction(-5, 2))
    (2, 4, -2)
    """
    if rounding not in _ROUNDINGS:
        raise MoneyError(f"unsupported rounding mode {rounding!r}")
    floor, rem = divmod(value.numerator, value.denominator)
    if rem == 0 or rounding == ROUND_FLOOR:
        return floor
    if rounding == ROUND_CEILING:
        return floor + 1
    if rounding == ROUND_DOWN:
        return floor + (1 if floor < 0 else 0)
    twice = 2 * rem
    if twice != value.denominator:
        return floor + (1 if twice > value.denominator else 0)
    if rounding == ROUND_HALF_EVEN:
        return floor + (floor % 2)
    return floor + (0 if floor < 0 else 1)  # ROUND_HALF_UP: half away from zero


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` into integer parts proportional to `weights` by largest remainder.

    Each part is the floor of its exact share; the units left over go to the parts with
    the largest fractional remainders. Ties go to the larger weight, then to the earlier
    position among equal weights, so equal inputs always get equal treatment and
    reordering the weights reorders the parts the same way.

    - The parts sum exactly to `total`.
    - Each part is within one unit of its exact share `total * w / sum(w)`.
    - Zero weights get zero.

    >>> allocate(10, [1, 1, 1])
    [4, 3, 3]
    >>> allocate(100, [50, 30, 20])
    [50, 30, 20]
    >>> allocate(-5, [1, 1])
    [-3, -2]
    """
    if not weights:
        raise MoneyError("allocate needs at least one weight")
    if any(isinstance(w, bool) or not isinstance(w, int) or w < 0 for w in weights):
        raise MoneyError("weights must be non-negative integers")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise MoneyError("weights must not all be zero")
    if total < 0:
        return [-p for p in allocate(-total, weights)]
    parts = []
    remainders = []
    for index, weight in enumerate(weights):
        part, rem = divmod(total * weight, weight_sum)
        parts.append(part)
        remainders.append((-rem, -weight, index))
    left = total - sum(parts)
    # Ties between equal (remainder, weight) pairs are broken by position; since such
    # entries are interchangeable, the multiset of parts is independent of input order.
    for _, _, index in sorted(remainders)[:left]:
        parts[index] += 1
    return parts


_NUMBER = re.compile(r"^(?P<sign>[-+]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?$")
_AMOUNT = re.compile(
    r"^\s*(?P<pre>[-+]?\s*\$)?\s*(?P<num>[-+]?[\d,]*\.?\d+)\s*(?P<word>[A-Za-z$]+)?\s*$"
)


def parse_amount(
    text: str, *, default_asset: Asset | None = None, allow_negative: bool = False
) -> tuple[Asset, int]:
    """Parse `$12.34`, `12.34 USD`, `1,500 coins` or `-3 diamonds` into (asset, minor units).

    >>> parse_amount("$12.34")
    (<Asset.USD: 'USD'>, 12340000)
    >>> parse_amount("1,500 coins")
    (<Asset.COIN: 'COIN'>, 1500)

    Raises MoneyError, with a message for people, on: an unknown asset, more decimals than
    the asset has, a negative amount where none is allowed, an amount beyond the supported
    range, or text that is not an amount at all.
    """
    raw = text.strip()
    match = _AMOUNT.match(raw.replace("$-", "-$"))
    if match is None:
        raise MoneyError(f"not an amount: {text!r} (try '$12.34', '12.34 USD' or '1,500 coins')")
    pre, num, word = match.group("pre"), match.group("num"), match.group("word")
    if pre and word and asset_of(word) is not Asset.USD:
        raise MoneyError(f"'$' and {word!r} name different assets in {text!r}")
    if pre:
        asset = Asset.USD
        if pre.replace(" ", "").startswith("-"):
            num = "-" + num.lstrip("+")
    elif word:
        asset = asset_of(word)
    elif default_asset is not None:
        asset = default_asset
    else:
        raise MoneyError(f"no asset in {text!r}; add one, as in '12.34 USD' or '100 coins'")
    number = _NUMBER.match(num)
    if number is None:
        raise MoneyError(f"not a number: {num!r} in {text!r}")
    frac = number.group("frac") or ""
    if len(frac.rstrip("0")) > asset.scale:
        places = asset.scale
        raise MoneyError(
            f"too many decimals in {text!r}: {asset.value} allows {places}"
            + (" (whole units only)" if places == 0 else "")
        )
    digits = number.group("int").replace(",", "")
    if len(digits.lstrip("0")) > len(str(MAX_AMOUNT)):
        # Checked before int(): Python refuses to convert over 4,300 digits at all.
        raise MoneyError(f"amount {text!r} is beyond the supported range")
    minor = int(digits) * asset.unit + int((frac + "0" * asset.scale)[: asset.scale] or "0")
    if number.group("sign") == "-":
        minor = -minor
    if minor < 0 and not allow_negative:
        raise MoneyError(f"negative amount {text!r} is not allowed here")
    if abs(minor) > MAX_AMOUNT:
        raise MoneyError(f"amount {text!r} is beyond the supported range")
    return asset, minor


def format_amount(asset: Asset, minor: int, *, exact: bool = False) -> str:
    """Display form: `$12.34`, `-$0.50`, `1,500 coins`, `7 diamonds`.

    USD shows cents, rounding half to even unless `exact` asks for every micro that is set
    (`$0.000123`). Coins and diamonds are whole.

    >>> format_amount(Asset.USD, 12_345_678)
    '$12.35'
    >>> format_amount(Asset.USD, 123, exact=True)
    '$0.000123'
    >>> format_amount(Asset.COIN, 1500)
    '1,500 coins'
    """
    sign = "-" if minor < 0 else ""
    magnitude = abs(minor)
    if asset is Asset.USD:
        if exact:
            whole, frac = divmod(magnitude, asset.unit)
            digits = f"{frac:06d}".rstrip("0")
            digits = digits.ljust(asset.display_places, "0")
        else:
            cents = round_ratio(Fraction(magnitude, asset.unit // 100))
            whole, frac_cents = divmod(cents, 100)
            digits = f"{frac_cents:02d}"
        return f"{sign}${whole:,}.{digits}"
    noun = asset.value.lower() + ("" if magnitude == 1 else "s")
    return f"{sign}{magnitude:,} {noun}"


def parse_decimal_ratio(text: str) -> Fraction:
    """An exact ratio from text such as `0.5`, `50%` or `1/3`, for rates and shares."""
    raw = text.strip()
    try:
        if raw.endswith("%"):
            return Fraction(Decimal(raw[:-1])) / 100
        return Fraction(raw)
    except (ValueError, ZeroDivisionError, InvalidOperation) as exc:
        raise MoneyError(f"not a ratio: {text!r}") from exc
