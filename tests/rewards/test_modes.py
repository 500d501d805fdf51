"""The three modes on examples worked by hand, and the money properties of each."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmint.rewards.modes import (
    Distribution,
    VideoViews,
    pool,
    rpm,
    user_centric,
    viewer_watch,
)

MICRO = 1_000_000


def test_rpm_pays_the_rate_per_thousand_views() -> None:
    d = rpm(VideoViews.of([1, 2], [10, 11], [1_500, 999]), 500_000)
    assert d.paid() == {10: 750_000, 11: 499_500}
    assert d.distributed == 1_249_500


def test_rpm_leaves_out_only_what_cannot_be_paid_in_whole_micros() -> None:
    # At 100 micros per 1,000 views, 3 views are worth 0.3 micro and 17 views 1.7: the
    # exact total 2.0 is paid, the spare micro to the larger remainder.
    d = rpm(VideoViews.of([1, 2], [10, 11], [3, 17]), 100)
    assert (d.paid(), d.distributed) == ({10: 0, 11: 2}, 2)


def test_pool_is_split_pro_rata() -> None:
    d = pool(VideoViews.of([1, 2, 3], [10, 11, 11], [3_000, 600, 400]), 100 * MICRO)
    assert d.paid() == {10: 75 * MICRO, 11: 25 * MICRO}
    assert d.video_micros.tolist() == [75 * MICRO, 15 * MICRO, 10 * MICRO]


def test_user_centric_follows_each_viewers_own_watch() -> None:
    # Viewer A watched X 9 times and Y once; viewer B watched Y once. $10 pool: A's $5 gives
    # X $4.50 and Y $0.50; B's $5 goes to Y.
    watch = viewer_watch(np.array([0, 0, 1]), np.array([1, 2, 2]), np.array([9, 1, 1]))
    d = user_centric(VideoViews.of([100, 200], [1, 2], [9, 2]), watch, 10 * MICRO)
    assert d.paid() == {1: 4_500_000, 2: 5_500_000}
    pro_rata = pool(VideoViews.of([100, 200], [1, 2], [9, 2]), 10 * MICRO)
    assert pro_rata.paid() == {1: 8_181_818, 2: 1_818_182}


def test_a_split_that_does_not_divide_gives_the_spare_micro_by_largest_remainder() -> None:
    d = pool(VideoViews.of([1, 2, 3], [1, 2, 3], [1, 1, 1]), 10)
    assert sorted(d.micros.tolist()) == [3, 3, 4] and d.distributed == 10


def test_a_creators_video_lines_sum_to_the_creator() -> None:
    d = rpm(VideoViews.of([1, 2, 3], [7, 7, 7], [1, 1, 1]), 1_000_000)  # 3,000 micros
    assert d.video_micros.tolist() == [1_000, 1_000, 1_000]
    d = pool(VideoViews.of([1, 2, 3], [7, 7, 7], [1, 1, 1]), 10)
    assert int(d.video_micros.sum()) == 10 and sorted(d.video_micros.tolist()) == [3, 3, 4]


# -- properties ---------------------------------------------------------------------------

videos = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 5_000)), min_size=1, max_size=25)


def _views(rows: list[tuple[int, int]]) -> VideoViews:
    return VideoViews.of(list(range(len(rows))), [c for c, _ in rows], [v for _, v in rows])


def _exact(d: Distribution, shares: dict[int, Fraction]) -> None:
    for creator, micros in d.paid().items():
        assert abs(micros - shares.get(creator, Fraction(0))) < 1


@given(videos, st.integers(0, 10**12))
def test_pool_payouts_sum_to_the_pool_each_within_a_micro(rows: list[tuple[int, int]],
                                                         amount: int) -> None:  # fmt: skip
    d = pool(_views(rows), amount)
    total = sum(v for _, v in rows)
    assert int(d.micros.sum()) == (amount if total else 0) == d.distributed
    assert int(d.video_micros.sum()) == d.distributed
    per: dict[int, int] = {}
    for c, v in rows:
        per[c] = per.get(c, 0) + v
    if total:
        _exact(d, {c: Fraction(amount * v, total) for c, v in per.items()})


@given(videos, st.integers(0, 2_000_000))
def test_rpm_payouts_sum_to_what_is_distributed_each_within_a_micro(
    rows: list[tuple[int, int]], rate: int
) -> None:
    d = rpm(_views(rows), rate)
    per: dict[int, int] = {}
    for c, v in rows:
        per[c] = per.get(c, 0) + v
    shares = {c: Fraction(rate * v, 1_000) for c, v in per.items()}
    assert int(d.micros.sum()) == d.distributed == int(sum(shares.values()))
    _exact(d, shares)


@given(videos, st.integers(1, 10**9))
def test_a_creator_with_no_views_gets_nothing(rows: list[tuple[int, int]], amount: int) -> None:
    rows = [*rows, (99, 0)]
    for d in (pool(_views(rows), amount), rpm(_views(rows), amount)):
        assert d.paid()[99] == 0


@given(videos.filter(lambda rows: any(v for _, v in rows)), st.integers(1, 10**12))
def test_doubling_every_creators_views_halves_the_pools_rate_per_view(
    rows: list[tuple[int, int]], amount: int
) -> None:
    once = pool(_views(rows), amount)
    twice = pool(_views([(c, 2 * v) for c, v in rows]), amount)
    rate = Fraction(once.distributed, once.total_views)
    assert Fraction(twice.distributed, twice.total_views) == rate / 2
    assert twice.paid() == once.paid()  # the same shares: each view is worth half


watches = st.lists(st.tuples(st.integers(0, 12), st.integers(0, 5), st.integers(1, 40)),
                   min_size=1, max_size=40)  # fmt: skip


@settings(max_examples=200)
@given(watches, st.integers(0, 10**12))
def test_user_centric_sums_to_the_pool_each_within_a_micro(
    rows: list[tuple[int, int, int]], amount: int
) -> None:
    pairs: dict[tuple[int, int], int] = {}
    for viewer, creator, n in rows:
        pairs[(viewer, creator)] = pairs.get((viewer, creator), 0) + n
    viewer = np.array([v for v, _ in pairs], np.int64)
    creator = np.array([c for _, c in pairs], np.int64)
    n = np.array(list(pairs.values()), np.int64)
    per: dict[int, int] = {}
    for (_, c), k in pairs.items():
        per[c] = per.get(c, 0) + k
    views = VideoViews.of(sorted(per), sorted(per), [per[c] for c in sorted(per)])
    d = user_centric(views, viewer_watch(viewer, creator, n), amount)
    assert int(d.micros.sum()) == amount == d.distributed
    totals: dict[int, int] = {}
    for (v, _), k in pairs.items():
        totals[v] = totals.get(v, 0) + k
    share = Fraction(amount, len(totals))
    exact: dict[int, Fraction] = {}
    for (v, c), k in pairs.items():
        exact[c] = exact.get(c, Fraction(0)) + share * Fraction(k, totals[v])
    for c, micros in d.paid().items():
        # within a micro, plus the fixed point's bound (far below a millionth here)
        assert abs(micros - exact[c]) < 1 + Fraction(1, 10**6)


def test_viewer_watch_groups_viewers_by_their_total() -> None:
    w = viewer_watch(np.array([1, 1, 2, 3]), np.array([7, 8, 7, 7]), np.array([2, 1, 3, 1]))
    # viewer 1: total 3 (7: 2, 8: 1); viewer 2: total 3 (7: 3); viewer 3: total 1 (7: 1)
    got = sorted(zip(w.creator.tolist(), w.viewer_total.tolist(), w.views.tolist(), strict=True))
    assert got == [(7, 1, 1), (7, 3, 5), (8, 3, 1)] and w.viewers == 3
