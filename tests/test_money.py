"""Money: largest-remainder splits, parsing and display, exact rounding.

Every money invariant here is a Hypothesis property; worked examples from the docstrings
pin the behaviour people read about.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import (
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    localcontext,
)
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from reelmint.money import (
    MAX_AMOUNT,
    Amount,
    Asset,
    MoneyError,
    allocate,
    asset_of,
    format_amount,
    parse_amount,
    round_ratio,
)

SUPPORTED_MODES = (ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_FLOOR, ROUND_CEILING, ROUND_DOWN)

totals = st.integers(min_value=-(10**15), max_value=10**15)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(
    any
)
amounts = st.integers(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT)
# Small and boundary magnitudes, where formatting edge cases live.
usd_micros = st.one_of(
    amounts,
    st.integers(min_value=-(10**8), max_value=10**8),
    st.sampled_from([0, 1, -1, 999_999, 1_000_000, MAX_AMOUNT, -MAX_AMOUNT]),
)


def exact_share(total: int, weight: int, weights: Sequence[int]) -> Fraction:
    return Fraction(total * weight, sum(weights))


# -- allocate -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        (10, [1, 1, 1], [4, 3, 3]),
        (100, [50, 30, 20], [50, 30, 20]),
        (-5, [1, 1], [-3, -2]),
        (10_000_000, [1, 1, 1], [3_333_334, 3_333_333, 3_333_333]),
    ],
)
def test_allocate_matches_the_worked_examples(
    total: int, weights: list[int], parts: list[int]
) -> None:
    assert allocate(total, weights) == parts


@given(totals, weight_lists)
def test_allocated_parts_sum_exactly_to_the_total(total: int, weights: list[int]) -> None:
    assert sum(allocate(total, weights)) == total


@given(totals, weight_lists)
def test_each_part_is_within_one_unit_of_its_exact_share(total: int, weights: list[int]) -> None:
    for part, weight in zip(allocate(total, weights), weights, strict=True):
        assert abs(part - exact_share(total, weight, weights)) < 1


@given(totals, weight_lists)
def test_zero_weights_get_zero(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)


@given(st.integers(min_value=0, max_value=10**15), weight_lists)
def test_leftover_units_go_to_the_largest_remainders(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    remainders = [(total * w) % sum(weights) for w in weights]
    topped = [p - (total * w) // sum(weights) for p, w in zip(parts, weights, strict=True)]
    assert set(topped) <= {0, 1}
    if 1 in topped and 0 in topped:
        smallest_topped = min(r for r, t in zip(remainders, topped, strict=True) if t)
        largest_plain = max(r for r, t in zip(remainders, topped, strict=True) if not t)
        assert smallest_topped >= largest_plain


@given(st.integers(min_value=0, max_value=10**15), weight_lists)
def test_equal_weights_favour_the_earlier_position(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    for i in range(len(weights)):
        for j in range(i + 1, len(weights)):
            if weights[i] == weights[j]:
                assert parts[i] - parts[j] in (0, 1)


@given(
    totals,
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=10, unique=True)
    .filter(any)
    .flatmap(lambda ws: st.tuples(st.just(ws), st.permutations(range(len(ws))))),
)
def test_permuting_distinct_weights_permutes_the_parts(
    total: int, case: tuple[list[int], list[int]]
) -> None:
    weights, order = case
    parts = allocate(total, weights)
    assert allocate(total, [weights[i] for i in order]) == [parts[i] for i in order]


@given(
    totals,
    weight_lists.flatmap(lambda ws: st.tuples(st.just(ws), st.permutations(ws))),
)
def test_the_multiset_of_parts_is_independent_of_input_order(
    total: int, case: tuple[list[int], list[int]]
) -> None:
    weights, shuffled = case
    assert sorted(allocate(total, shuffled)) == sorted(allocate(total, weights))


@given(totals, weight_lists)
def test_negative_totals_mirror_positive_ones(total: int, weights: list[int]) -> None:
    assert allocate(-total, weights) == [-p for p in allocate(total, weights)]


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([], "at least one weight"),
        ([1, -1], "non-negative integers"),
        ([0, 0, 0], "must not all be zero"),
        ([True, False], "non-negative integers"),
        ([1, True], "non-negative integers"),
        ([1.5, 1], "non-negative integers"),
    ],
)
def test_allocate_refuses_bad_weights(weights: list[int], message: str) -> None:
    with pytest.raises(MoneyError, match=message):
        allocate(100, weights)


@given(st.sampled_from(list(Asset)), totals, weight_lists)
def test_amount_allocate_keeps_the_asset_and_the_whole(
    asset: Asset, total: int, weights: list[int]
) -> None:
    parts = Amount(asset, total).allocate(weights)
    assert {p.asset for p in parts} == {asset}
    assert sum(p.minor for p in parts) == total


# -- parse_amount and format_amount -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("$12.34", (Asset.USD, 12_340_000)),
        ("12.34 USD", (Asset.USD, 12_340_000)),
        ("1,500 coins", (Asset.COIN, 1500)),
        ("1 coin", (Asset.COIN, 1)),
        ("7 Diamonds", (Asset.DIAMOND, 7)),
        ("$0.000123", (Asset.USD, 123)),
        ("  $ 1,234,567.5  ", (Asset.USD, 1_234_567_500_000)),
        ("3 dollars", (Asset.USD, 3_000_000)),
        ("1.000 coins", (Asset.COIN, 1)),
    ],
)
def test_parse_amount_reads_the_documented_forms(text: str, parsed: tuple[Asset, int]) -> None:
    assert parse_amount(text) == parsed


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("-3 diamonds", (Asset.DIAMOND, -3)),
        ("-$0.50", (Asset.USD, -500_000)),
        ("$-0.50", (Asset.USD, -500_000)),
        ("-12.34 USD", (Asset.USD, -12_340_000)),
    ],
)
def test_parse_amount_reads_negatives_where_allowed(text: str, parsed: tuple[Asset, int]) -> None:
    assert parse_amount(text, allow_negative=True) == parsed


def test_parse_amount_uses_the_default_asset_for_a_bare_number() -> None:
    assert parse_amount("42", default_asset=Asset.COIN) == (Asset.COIN, 42)


def test_amount_parse_adds_up_as_in_its_docstring() -> None:
    total = Amount.parse("$12.34") + Amount.parse("0.66 USD")
    assert total == Amount(Asset.USD, 13_000_000)


@pytest.mark.parametrize(
    ("asset", "minor", "exact", "text"),
    [
        (Asset.USD, 12_345_678, False, "$12.35"),
        (Asset.USD, 123, True, "$0.000123"),
        (Asset.USD, -500_000, False, "-$0.50"),
        (Asset.USD, 12_340_000, True, "$12.34"),
        (Asset.USD, 1_234_567_000_000, False, "$1,234,567.00"),
        (Asset.USD, 5_000, False, "$0.00"),  # half a cent rounds to even
        (Asset.USD, 15_000, False, "$0.02"),
        (Asset.COIN, 1500, False, "1,500 coins"),
        (Asset.COIN, 1, False, "1 coin"),
        (Asset.DIAMOND, 7, False, "7 diamonds"),
        (Asset.DIAMOND, -1, False, "-1 diamond"),
    ],
)
def test_format_amount_shows_the_documented_forms(
    asset: Asset, minor: int, exact: bool, text: str
) -> None:
    assert format_amount(asset, minor, exact=exact) == text


@given(usd_micros)
def test_exact_usd_format_parses_back_to_the_same_micros(minor: int) -> None:
    text = format_amount(Asset.USD, minor, exact=True)
    assert parse_amount(text, allow_negative=True) == (Asset.USD, minor)


@given(st.sampled_from([Asset.COIN, Asset.DIAMOND]), amounts)
def test_whole_unit_format_parses_back_to_the_same_amount(asset: Asset, minor: int) -> None:
    text = format_amount(asset, minor)
    assert parse_amount(text, allow_negative=True) == (asset, minor)


@given(st.integers(min_value=-(MAX_AMOUNT - 10_000), max_value=MAX_AMOUNT - 10_000))
def test_display_format_parses_back_to_the_cent_rounded_half_to_even(minor: int) -> None:
    cents = round_ratio(Fraction(minor, 10_000), ROUND_HALF_EVEN)
    text = format_amount(Asset.USD, minor)
    assert parse_amount(text, allow_negative=True) == (Asset.USD, cents * 10_000)


@given(st.sampled_from(list(Asset)), amounts)
def test_amount_str_is_the_display_format(asset: Asset, minor: int) -> None:
    assert str(Amount(asset, minor)) == format_amount(asset, minor)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-3 diamonds", "negative amount '-3 diamonds' is not allowed here"),
        ("-$0.50", "negative amount"),
        ("$1.0000001", r"too many decimals in '\$1.0000001': USD allows 6"),
        ("1.5 coins", r"too many decimals .*COIN allows 0 \(whole units only\)"),
        ("12 euros", "unknown asset 'euros'; known assets: USD, COIN, DIAMOND"),
        (f"{MAX_AMOUNT + 1} coins", "beyond the supported range"),
        ("$4,611,686,018,427.387905", "beyond the supported range"),
        ("twelve dollars", "not an amount"),
        ("", "not an amount"),
        ("$", "not an amount"),
        ("12..3 USD", "not an amount"),
        ("1 2 coins", "not an amount"),
        ("1,50 coins", "not a number"),
        ("12.34", "no asset in '12.34'"),
        ("$5 coins", "name different assets"),
    ],
)
def test_parse_amount_refuses_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(MoneyError, match=message):
        parse_amount(text)


def test_the_largest_amount_is_accepted() -> None:
    assert parse_amount(f"{MAX_AMOUNT:,} coins") == (Asset.COIN, MAX_AMOUNT)


def test_a_number_too_long_to_convert_is_refused_as_beyond_range() -> None:
    # Python refuses int() of more than 4,300 digits with a bare ValueError; the
    # documented contract is a MoneyError saying the amount is beyond the range.
    with pytest.raises(MoneyError, match="beyond the supported range"):
        parse_amount("9" * 5000 + " coins")


@given(st.text(alphabet="0123456789,.$-+ usdcoinUSDCOINdiamond", max_size=30))
@example("$-")
@example("-$-5")
@example(".5 coins")
def test_parse_amount_only_ever_raises_money_error(text: str) -> None:
    try:
        asset, minor = parse_amount(text, allow_negative=True)
    except MoneyError:
        return
    assert isinstance(asset, Asset)
    assert abs(minor) <= MAX_AMOUNT


@pytest.mark.parametrize(
    ("word", "asset"),
    [("USD", Asset.USD), ("$", Asset.USD), (" Coins ", Asset.COIN), ("diamond", Asset.DIAMOND)],
)
def test_asset_of_reads_the_words_people_type(word: str, asset: Asset) -> None:
    assert asset_of(word) is asset


def test_amounts_of_different_assets_do_not_combine() -> None:
    with pytest.raises(MoneyError, match="cannot combine USD with COIN"):
        Amount(Asset.USD, 1) + Amount(Asset.COIN, 1)


def test_amount_refuses_floats_and_out_of_range_values() -> None:
    with pytest.raises(TypeError):
        Amount(Asset.USD, 1.0)  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match="beyond the supported range"):
        Amount(Asset.USD, MAX_AMOUNT + 1)


# -- round_ratio --------------------------------------------------------------------------


def quantized(value: Fraction, mode: str) -> int:
    """Decimal's answer; the quotient is computed far beyond the digits that decide it."""
    with localcontext() as ctx:
        ctx.prec = 120
        quotient = Decimal(value.numerator) / Decimal(value.denominator)
        return int(quotient.quantize(Decimal(1), rounding=mode))


@given(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=1, max_value=10**15),
    st.sampled_from(SUPPORTED_MODES),
)
def test_round_ratio_agrees_with_decimal_quantize(
    numerator: int, denominator: int, mode: str
) -> None:
    value = Fraction(numerator, denominator)
    assert round_ratio(value, mode) == quantized(value, mode)


@given(st.integers(min_value=-(10**20), max_value=10**20), st.sampled_from(SUPPORTED_MODES))
def test_round_ratio_agrees_with_decimal_quantize_on_exact_halves(whole: int, mode: str) -> None:
    value = Fraction(2 * whole + 1, 2)
    assert round_ratio(value, mode) == quantized(value, mode)


@given(st.integers(min_value=-(10**20), max_value=10**20), st.sampled_from(SUPPORTED_MODES))
def test_round_ratio_leaves_integers_alone(whole: int, mode: str) -> None:
    assert round_ratio(Fraction(whole), mode) == whole


def test_round_ratio_matches_its_docstring() -> None:
    assert [round_ratio(Fraction(n, 2)) for n in (5, 7, -5)] == [2, 4, -2]


@pytest.mark.parametrize("mode", [ROUND_UP, ROUND_HALF_DOWN, ROUND_05UP, "ROUND_SIDEWAYS"])
def test_round_ratio_refuses_an_unsupported_mode(mode: str) -> None:
    # Documented modes are the five in SUPPORTED_MODES; any other must be refused rather
    # than quietly treated as round-half-something. Decimal's ROUND_UP gives 1 here.
    with pytest.raises(MoneyError, match="unsupported rounding mode"):
        round_ratio(Fraction(1, 3), mode)
