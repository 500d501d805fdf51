"""The shared kernels, on small rows checked by hand."""

from __future__ import annotations

import numpy as np

from reelmint.feed import kernels
from reelmint.feed.slots import SlotPlan


def test_repeats_of_an_author_are_decayed_so_another_author_can_pass() -> None:
    score = np.array([[10.0, 9.0, 8.0]], np.float32)  # best first
    author = np.array([[1, 1, 2]])
    topic = np.array([[0, 1, 2]])

    ranked = kernels.diversify(score, author, topic, author_decay=0.5, topic_decay=1.0)

    assert ranked.tolist() == [[10.0, 4.5, 8.0]]
    assert list(kernels.top(ranked, 3)[0]) == [0, 2, 1]


def test_a_negative_score_is_pushed_down_by_its_decay_not_up() -> None:
    score = np.array([[2.0, -1.0, -2.0]], np.float32)
    ranked = kernels.diversify(score, np.array([[1, 2, 2]]), np.array([[0, 1, 2]]), 0.5, 1.0)
    assert ranked.tolist() == [[2.0, -1.0, -3.0]]


def test_topics_spread_gently_by_their_own_decay() -> None:
    score = np.array([[1.0, 1.0, 1.0]], np.float32)
    ranked = kernels.diversify(score, np.array([[1, 2, 3]]), np.array([[5, 5, 5]]), 0.5, 0.8)
    assert np.allclose(ranked, [[1.0, 0.8, 0.64]])


def test_the_first_showings_up_to_a_videos_capacity_fit_row_by_row() -> None:
    chosen = np.array([[7, 3], [7, -1], [7, 3]])
    capacity = np.zeros(8, np.int64)
    capacity[7], capacity[3] = 2, 5

    fits = kernels.within_capacity(chosen, capacity)

    assert fits.tolist() == [[True, True], [True, False], [False, True]]


def test_compress_keeps_the_first_n_fitting_entries_in_order() -> None:
    chosen = np.array([[5, 6, 7, 8]])
    keep = np.array([[False, True, False, True]])
    organic, _ = kernels.compress(chosen, keep, 3)
    assert organic.tolist() == [[6, 8, -1]]


def test_a_row_shows_each_video_once() -> None:
    cand = np.array([[4, 2, 4, -1, 2, 9]])
    kept = kernels.drop_repeats(cand)
    assert sorted(v for v in kept[0] if v >= 0) == [2, 4, 9]


def test_the_slot_plan_reserves_every_kth_position_for_ads() -> None:
    plan = SlotPlan(every=5)
    assert list(np.flatnonzero(plan.ad_mask(12))) == [4, 9]
    assert plan.organic_count(12) == 10
    page = plan.lay_out(np.arange(1, 11)[None, :], 12, -1)
    assert page.tolist() == [[1, 2, 3, 4, -1, 5, 6, 7, 8, -1, 9, 10]]
