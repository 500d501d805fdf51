"""A period's close, computed: who earns, on which views, what each mode pays, what is
clawed back, and each creator's statement. Nothing here writes; `service` records and
posts what `plan` returns.

The steps, for a period P closed at `now`:

1. **Who.** Creators enrolled before P ended (and not gone before). Each is checked
   again with the facts at P's end: age on P's last day, standing now, followers before
   P's end, plays in the 30 days before P's end.
2. **Which views.** Qualified views per video in P, from the lake, leaving out plays
   covered by flags made by `now`. A video earns if its creator is eligible, it passes
   the video rules, and its qualified views through P reach the threshold.
3. **What.** The mode turns the earning views into payouts (`modes`).
4. **Corrections.** For each earlier closed period Q with flags made after Q closed, the
   videos Q paid are counted again; views now missing are clawed back at the rate Q paid
   each video (floor of micros x views lost / views paid, cumulative over corrections).
5. **Statements.** `settle` per creator, from their balances in the books.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from reelmint.content.catalog import VideoCatalog
from reelmint.events.flags import flag_files
from reelmint.rewards import eligibility, lake_views, modes
from reelmint.rewards.eligibility import CreatorFacts
from reelmint.rewards.model import (
    DAY_MS,
    Correction,
    Enrollment,
    Mode,
    Period,
    PeriodClose,
    Statement,
    VideoLine,
)
from reelmint.rewards.multipliers import parse_tiers, weights
from reelmint.rewards.settle import Settlement, settle
from reelmint.rewards.store import RewardsStore
from reelmint.rewards_settings import RewardsSettings

I64 = NDArray[np.int64]
FactsOf = Callable[[I64, Period], dict[int, CreatorFacts]]


@dataclass(frozen=True)
class Views:
    """Step 2's result: every video of an enrolled creator with views in P, and which earn."""

    video: I64
    creator: I64
    views: I64
    before: I64  # qualified views through the periods closed before
    earning: NDArray[np.bool_]

    def earning_views(self) -> modes.VideoViews:
        e = self.earning
        return modes.VideoViews(self.video[e], self.creator[e], self.views[e])


@dataclass
class Plan:
    period: Period
    mode: Mode
    distribution: modes.Distribution
    statements: list[Statement]
    settlements: dict[int, Settlement]
    lines: list[VideoLine]
    corrections: list[Correction]
    totals: tuple[I64, I64, I64]
    facts: dict[int, CreatorFacts] = field(default_factory=dict)

    def close(self, now_ms: int, status: str) -> PeriodClose:
        from reelmint.rewards.model import PeriodStatus

        d = self.distribution
        return PeriodClose(
            self.period.label, self.period.first, self.period.last, self.mode, d.rate_micros,
            d.pool_micros, d.distributed, d.total_views, d.viewers,
            int((d.micros > 0).sum()), sum(c.micros for c in self.corrections),
            PeriodStatus(status), now_ms,
        )  # fmt: skip


@dataclass
class Closer:
    store: RewardsStore
    rules: RewardsSettings
    lake_root: Path
    catalog: Callable[[], VideoCatalog]
    facts_of: FactsOf

    def window(self, period: Period, now_ms: int) -> lake_views.Window:
        return lake_views.Window(self.lake_root, period.start_ms, period.end_ms, now_ms,
                                 self.rules.qualified_view_min_ms)  # fmt: skip

    def who(self, period: Period) -> tuple[dict[int, Enrollment], dict[int, list[str]],
                                           dict[int, CreatorFacts]]:  # fmt: skip
        enrolled = {e.creator: e for e in self.store.enrollments() if e.active_through(period)}
        facts = self.facts_of(np.array(sorted(enrolled), np.int64), period)
        why = {c: eligibility.reasons(facts[c], self.rules) for c in enrolled}
        return enrolled, why, facts

    def views(self, period: Period, now_ms: int, enrolled: Mapping[int, Enrollment],
              eligible: set[int]) -> Views:  # fmt: skip
        table = lake_views.video_views(self.window(period, now_ms),
                                       np.array(sorted(enrolled), np.int64))  # fmt: skip
        video = table.column("object").to_numpy().astype(np.int64)
        creator = table.column("author").to_numpy().astype(np.int64)
        views = table.column("views").to_numpy().astype(np.int64)
        catalog = self.catalog()
        slots = catalog.ids.lookup(video) if len(video) else np.zeros(0, np.int64)
        known = slots >= 0
        video, creator, views, slots = video[known], creator[known], views[known], slots[known]
        ids = np.array(sorted(enrolled), np.int64)
        joined_at = np.array([enrolled[c].joined_ms for c in ids.tolist()], np.int64)
        joined = joined_at[np.searchsorted(ids, creator)]  # every author here is enrolled
        rules = eligibility.video_rules(
            catalog.duration_ms[slots], catalog.origin[slots], catalog.posted_at_ms[slots],
            joined, self.rules,
        )  # fmt: skip
        video, creator, views = video[rules], creator[rules], views[rules]
        before = self.store.video_totals(video)
        if self.store.period(period.label) is not None:  # its own views are in the totals
            before = np.maximum(before - views, 0)
        ok = np.isin(creator, np.array(sorted(eligible), np.int64))
        earning = ok & eligibility.reached_threshold(before, views, self.rules)
        return Views(video, creator, views, before, earning)

    def distribute(self, mode: Mode, period: Period, now_ms: int, v: Views,
                   pool_micros: int) -> modes.Distribution:  # fmt: skip
        earning = v.earning_views()
        if mode is Mode.RPM:
            return modes.rpm(self._weighted(earning, period, now_ms), self.rules.rpm_micros)
        if mode is Mode.POOL:
            return modes.pool(earning, pool_micros)
        watch = lake_views.viewer_watch(self.window(period, now_ms), earning.video)
        return modes.user_centric(earning, watch, pool_micros)

    def _weighted(self, v: modes.VideoViews, period: Period, now_ms: int) -> modes.VideoViews:
        engagement = parse_tiers(self.rules.engagement_multipliers, "engagement")
        watch = parse_tiers(self.rules.watch_multipliers, "watch")
        if not (engagement or watch) or not len(v.video):
            return v
        stats = lake_views.video_engagement(self.window(period, now_ms), v.video)
        col = {n: stats.column(n).to_numpy().astype(np.int64) for n in stats.column_names}
        w, scale = weights(v.views, col["plays"], col["engaged"], col["watch_ms"], engagement,
                           watch)  # fmt: skip
        return modes.VideoViews(v.video, v.creator, v.views, w, scale)

    def corrections(self, period: Period, now_ms: int) -> list[Correction]:
        out = []
        for q in self.store.periods():
            if q.label == period.label or q.closed_ms >= now_ms or q.status != "closed":
                continue
            if not flag_files(self.lake_root, now_ms) or not _flags_since(self.lake_root, q,
                                                                          now_ms):  # fmt: skip
                continue
            out += self._corrections_of(q, period, now_ms)
        return out

    def _corrections_of(self, q: PeriodClose, period: Period, now_ms: int) -> list[Correction]:
        lines = [x for x in self.store.lines(period=q.label) if x.views > x.views_lost]
        if not lines:
            return []
        ids = np.array([x.video for x in lines], np.int64)
        creators = np.unique(np.array([x.creator for x in lines], np.int64))
        table = lake_views.video_views(self.window(q.period, now_ms), creators, ids)
        now = dict(zip(table.column("object").to_pylist(), table.column("views").to_pylist(),
                       strict=True))  # fmt: skip
        out = []
        for x in lines:
            lost = x.views - x.views_lost - now.get(x.video, 0)
            if lost <= 0:
                continue
            clawed = x.micros * (x.views_lost + lost) // x.views - x.micros_clawed
            out.append(Correction(period.label, q.label, x.video, x.creator, lost, clawed))
        return out


def _flags_since(root: Path, q: PeriodClose, now_ms: int) -> bool:
    """Whether a flag made after Q closed (and by now) covers a moment in Q."""
    from reelmint.events.stats import run_query

    files = flag_files(root, now_ms)
    sql = ("SELECT count(*) AS n FROM read_parquet($flags) WHERE "
           "flagged_ts > make_timestamptz($closed::BIGINT * 1000) AND "
           "flagged_ts <= make_timestamptz($now::BIGINT * 1000) AND "
           "start_ts < make_timestamptz($end::BIGINT * 1000) AND "
           "end_ts > make_timestamptz($start::BIGINT * 1000)")  # fmt: skip
    table = run_query(sql, {"flags": files, "closed": q.closed_ms, "now": now_ms,
                            "start": q.period.start_ms, "end": q.period.end_ms})  # fmt: skip
    return bool(table.column("n")[0].as_py())


def statements(period: Period, dist: modes.Distribution, why: Mapping[int, list[str]],
               corrections: list[Correction], positions: Mapping[int, tuple[int, int]],
               minimum: int) -> tuple[list[Statement], dict[int, Settlement]]:  # fmt: skip
    """One statement per creator enrolled or clawed back; `positions` is each creator's
    (carried, owed) in the books before the close."""
    earned = dist.paid()
    views = dict(zip(dist.creator.tolist(), dist.views.tolist(), strict=True))
    videos: dict[int, int] = {}
    for c, m in zip(dist.video_creator.tolist(), dist.video_micros.tolist(), strict=True):
        videos[c] = videos.get(c, 0) + (1 if m > 0 else 0)
    clawback: dict[int, int] = {}
    for x in corrections:
        clawback[x.creator] = clawback.get(x.creator, 0) + x.micros
    out, settled = [], {}
    for creator in sorted(set(why) | set(clawback)):
        carried, owed = positions.get(creator, (0, 0))
        s = settle(carried, owed, earned.get(creator, 0), clawback.get(creator, 0), minimum)
        reasons = why.get(creator, ["not enrolled in this period"])
        settled[creator] = s
        out.append(Statement(period.label, creator, not reasons, tuple(reasons),
                             views.get(creator, 0), videos.get(creator, 0), s.earned,
                             s.clawback, carried, owed, s.repaid, s.paid, s.carried_out,
                             s.owed_out))  # fmt: skip
    return out, settled


def video_lines(period: Period, dist: modes.Distribution) -> list[VideoLine]:
    return [VideoLine(period.label, v, c, n, m) for v, c, n, m in zip(
        dist.video.tolist(), dist.video_creator.tolist(), dist.video_views.tolist(),
        dist.video_micros.tolist(), strict=True)]  # fmt: skip


def thirty_days_before(period: Period) -> tuple[int, int]:
    return period.end_ms - 30 * DAY_MS, period.end_ms
