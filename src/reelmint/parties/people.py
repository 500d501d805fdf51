"""People: the age and standing every money rule about a person asks for. Pure.

A person is the human behind a user id (and, on this platform, behind the creator with
the same id). Ages are computed on the day asked, from the date of birth, so nobody's
record has to be rewritten on a birthday. Worked example: born 2008-12-04, a person is
17 on 2026-12-03 and 18 on 2026-12-04.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class Standing(enum.StrEnum):
    """An account's standing. Only `good` may buy, send, receive or cash out; `banned`
    also voids cash-outs still on hold."""

    GOOD = "good"
    RESTRICTED = "restricted"
    BANNED = "banned"


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    birth_date: date
    standing: Standing = Standing.GOOD

    def __post_init__(self) -> None:
        if isinstance(self.id, bool) or not isinstance(self.id, int) or self.id < 0:
            raise ValueError(f"a person's id is a whole number, 0 or more (got {self.id!r})")

    def age_on(self, day: date) -> int:
        """Whole years completed on `day` (a 29 February birthday counts on 1 March)."""
        had_birthday = (day.month, day.day) >= (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - (0 if had_birthday else 1)

    @property
    def in_good_standing(self) -> bool:
        return self.standing is Standing.GOOD
