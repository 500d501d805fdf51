"""People on SQL: one row per person, written whole (an upsert) and read by id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from reelmint.db.engine import one_of
from reelmint.parties import schema as s
from reelmint.parties.people import Person, Standing


class PeopleStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, people: Iterable[Person]) -> None:
        """Store each person, replacing what was held for its id; one transaction."""
        rows = [{"id": p.id, "birth_date": p.birth_date, "standing": p.standing.value}
                for p in people]  # fmt: skip
        if not rows:
            return
        from sqlalchemy.dialects import postgresql, sqlite

        dialect: Any = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(s.people)
        upsert = insert.on_conflict_do_update(
            index_elements=["id"],
            set_={"birth_date": insert.excluded.birth_date, "standing": insert.excluded.standing},
        )
        with self.engine.begin() as conn:
            for start in range(0, len(rows), 5_000):
                conn.execute(upsert, rows[start : start + 5_000])

    def get(self, person_id: int) -> Person | None:
        return self.many([person_id]).get(person_id)

    def many(self, ids: Iterable[int]) -> dict[int, Person]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        query = sa.select(s.people).where(one_of(self.engine, s.people.c.id, wanted))
        with self.engine.connect() as conn:
            return {r.id: Person(r.id, r.birth_date, Standing(r.standing))
                    for r in conn.execute(query)}  # fmt: skip

    def set_standing(self, person_id: int, standing: Standing) -> bool:
        """Change one person's standing; False if the person is unknown."""
        with self.engine.begin() as conn:
            done = conn.execute(sa.update(s.people).where(s.people.c.id == person_id)
                                .values(standing=standing.value))  # fmt: skip
        return bool(done.rowcount)
