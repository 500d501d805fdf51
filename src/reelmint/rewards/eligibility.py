"""Who may earn and which videos earn: the program's rules as pure checks.

A creator is eligible when 18 or over (by default), in good standing, with at least
10,000 followers and 100,000 views in the 30 days before the moment asked about. A video
earns when it is longer than 60 s (61 s earns, 60 s does not), original (not a duet,
stitch or sponsored post), posted after its creator joined, and has reached 1,000
qualified views in all (`earning_threshold_views`). The checks run at enrollment and
again at every close, with the facts of that moment.

Pure: NumPy only. The facts come from the service (people, the follow graph, the lake).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reelmint.content.model import Origin
from reelmint.parties.people import Standing
from reelmint.rewards_settings import RewardsSettings

I64 = NDArray[np.int64]
Mask = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class CreatorFacts:
    """What the rules ask about one creator, at one moment (`age` None: not registered)."""

    creator: int
    age: int | None
    standing: Standing | None
    followers: int
    views_30d: int


def reasons(facts: CreatorFacts, rules: RewardsSettings) -> list[str]:
    """Why the creator is not eligible; [] when eligible."""
    out = []
    if facts.age is None:
        out.append("no date of birth on record (register the person first)")
    elif facts.age < rules.min_age:
        out.append(f"under {rules.min_age} (aged {facts.age})")
    if facts.standing is not None and facts.standing is not Standing.GOOD:
        out.append(f"account is {facts.standing.value}")
    if facts.followers < rules.min_followers:
        out.append(f"{facts.followers:,} followers, below {rules.min_followers:,}")
    if facts.views_30d < rules.min_views_30d:
        out.append(f"{facts.views_30d:,} views in the last 30 days, below "
                   f"{rules.min_views_30d:,}")  # fmt: skip
    return out


def video_rules(duration_ms: I64, origin: NDArray[np.int8], posted_ms: I64, joined_ms: I64,
                rules: RewardsSettings) -> Mask:  # fmt: skip
    """Per video: long enough, original, and posted at or after its creator joined
    (`joined_ms` per video: its creator's enrollment)."""
    long_enough = duration_ms > rules.min_video_seconds * 1_000
    original = origin == int(Origin.ORIGINAL)
    return long_enough & original & (posted_ms >= joined_ms)  # type: ignore[no-any-return]


def reached_threshold(views_before: I64, views_now: I64, rules: RewardsSettings) -> Mask:
    """Videos whose qualified views, all periods so far and this one, reach the threshold:
    they earn on this period's views."""
    return (views_before + views_now) >= rules.earning_threshold_views
