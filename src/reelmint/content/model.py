"""What a video is, to the engines: who made it, how long it is, what it is about.

Pure: no I/O. Topics are small integers (0 .. topics-1), one primary topic per video;
the ranker spreads a feed over them and learns each user's affinity for them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ContentError(ValueError):
    """A video that cannot be accepted; the message says why."""


class Origin(enum.IntEnum):
    """Where a video came from. Only originals earn creator rewards (DESIGN.md section 5)."""

    ORIGINAL = 0
    DUET = 1
    STITCH = 2
    SPONSORED = 3


@dataclass(frozen=True, slots=True)
class Video:
    id: int
    creator: int
    duration_ms: int
    topic: int
    posted_at_ms: int
    origin: Origin = Origin.ORIGINAL

    def __post_init__(self) -> None:
        if self.id < 0 or self.creator < 0:
            raise ContentError("video and creator ids are non-negative integers")
        if self.duration_ms <= 0:
            raise ContentError(f"video {self.id}: duration must be positive")
        if self.topic < 0:
            raise ContentError(f"video {self.id}: topic must be non-negative")
