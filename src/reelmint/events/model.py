"""The event vocabulary (DESIGN.md section 4): kinds, surfaces and refusal reasons.

Pure: no I/O. Kinds and surfaces have stable small-integer codes so that a batch can
carry them as int8 columns and the counters can `bincount` over them; the lake stores
their names.
"""

from __future__ import annotations

import enum


class Kind(enum.IntEnum):
    # feed
    IMPRESSION = 0
    PLAY = 1
    LIKE = 2
    COMMENT = 3
    SHARE = 4
    FOLLOW = 5
    NOT_INTERESTED = 6
    REPORT = 7
    # ads
    AD_IMPRESSION = 8
    AD_CLICK = 9
    AD_VIEW_2S = 10
    AD_VIEW_6S = 11
    AD_QUARTILE = 12
    CONVERSION = 13
    # LIVE
    LIVE_JOIN = 14
    GIFT = 15
    # affiliate
    LINK_CLICK = 16
    ORDER = 17
    REFUND = 18

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, name: str) -> Kind:
        try:
            return cls[name.upper()]
        except KeyError:
            raise ValueError(f"unknown event kind {name!r}") from None


FEED_KINDS = frozenset(Kind(k) for k in range(Kind.IMPRESSION, Kind.REPORT + 1))
# Kinds whose object is a video, so the ingest path fills in its author from the catalog.
VIDEO_KINDS = FEED_KINDS


class Surface(enum.IntEnum):
    FOR_YOU = 0
    FOLLOWING = 1
    SEARCH = 2
    PROFILE = 3
    LIVE = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class InvalidReason(enum.IntEnum):
    """Why an event was flagged invalid (by integrity). Invalid events are stored, so that
    audits and make-goods can find them, but they count in no stats, counters or pay."""

    NONE = 0
    FAKE_ENGAGEMENT = 1
    BOT_TRAFFIC = 2
    CLICK_FRAUD = 3
    OTHER = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class Refusal(enum.IntEnum):
    """Why an event was refused. 0 is reserved for "accepted" in the reason column."""

    UNKNOWN_KIND = 1
    MISSING_USER = 2
    MISSING_OBJECT = 3
    UNKNOWN_VIDEO = 4
    UNKNOWN_SURFACE = 5
    NEGATIVE_WATCH = 6
    MISSING_WATCH = 7
    OUT_OF_ORDER = 8
    FROM_THE_FUTURE = 9
    MISSING_TIMESTAMP = 10

    @property
    def label(self) -> str:
        return self.name.lower()
