"""The rewards records on SQL (SQLite or PostgreSQL).

A close writes all its rows in one transaction (`record_close`): the period in `posting`
state, the statements, the video lines, the corrections, the updated video totals and
the lines that corrections reduced. Then the books are posted and the period is marked
`closed`. A close interrupted between the two is finished by posting its recorded
statements again (the transfer ids make that safe), never by recomputing them.

Bulk rows go through the driver's executemany: a close of 100,000 creators writes about
a million rows, and SQLAlchemy's per-row binding would cost seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy import Engine

from reelmint.db.engine import one_of
from reelmint.rewards import schema as s
from reelmint.rewards.model import (
    Correction,
    Enrollment,
    EnrollmentStatus,
    Mode,
    PeriodClose,
    PeriodStatus,
    Statement,
    VideoLine,
)

I64 = NDArray[np.int64]
_STATEMENT = [f.name for f in fields(Statement)]
_LINE = [f.name for f in fields(VideoLine)]
_CORRECTION = [f.name for f in fields(Correction)]
# attrgetter builds a row tuple in a fraction of dataclasses.astuple's time (which
# deep-copies every field).
_line_row, _correction_row = attrgetter(*_LINE), attrgetter(*_CORRECTION)
_statement_values = attrgetter(*_STATEMENT)
_PERIOD = {"label": "label", "first": "first_day", "last": "last_day"}


class RewardsStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- enrollments ---------------------------------------------------------------

    def enrollment(self, creator: int) -> Enrollment | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(s.enrollments).where(
                s.enrollments.c.creator == creator)).first()  # fmt: skip
        return None if row is None else _enrollment(row)

    def enrollments(self) -> list[Enrollment]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(s.enrollments).order_by(s.enrollments.c.creator))
            return [_enrollment(r) for r in rows]

    def put_enrollments(self, rows: Sequence[Enrollment]) -> None:
        """Store enrollments, replacing what was held for each creator."""
        if not rows:
            return
        sql = ("INSERT INTO rewards_enrollments (creator, joined_ms, status, left_ms) "
               "VALUES ({}) ON CONFLICT (creator) DO UPDATE SET joined_ms = excluded.joined_ms, "
               "status = excluded.status, left_ms = excluded.left_ms")  # fmt: skip
        with self.engine.begin() as conn:
            self._many(conn, sql, [(e.creator, e.joined_ms, e.status.value, e.left_ms)
                                   for e in rows])  # fmt: skip

    # -- periods -------------------------------------------------------------------

    def period(self, label: str) -> PeriodClose | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(s.periods).where(s.periods.c.label == label)).first()
        return None if row is None else _period(row)

    def periods(self) -> list[PeriodClose]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(s.periods).order_by(s.periods.c.first_day))
            return [_period(r) for r in rows]

    def record_close(self, close: PeriodClose, statements: Sequence[Statement],
                     lines: Sequence[VideoLine], corrections: Sequence[Correction],
                     totals: tuple[I64, I64, I64]) -> None:  # fmt: skip
        """Everything a close decided, in one transaction (see the module docstring)."""
        with self.engine.begin() as conn:
            conn.execute(sa.insert(s.periods), _period_row(close))
            self._insert(conn, s.statements, _STATEMENT,
                         [_statement_row(x) for x in statements])  # fmt: skip
            self._insert(conn, s.video_lines, _LINE, [_line_row(x) for x in lines])
            self._insert(
                conn, s.corrections, _CORRECTION, [_correction_row(x) for x in corrections]
            )
            self._apply_corrections(conn, corrections)
            video, creator, views = totals
            sql = ("INSERT INTO rewards_video_totals (video, creator, views) VALUES ({}) "
                   "ON CONFLICT (video) DO UPDATE SET views = excluded.views")  # fmt: skip
            self._many(conn, sql, list(zip(video.tolist(), creator.tolist(), views.tolist(),
                                           strict=True)))  # fmt: skip

    def mark_closed(self, label: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(s.periods).where(s.periods.c.label == label)
                         .values(status=PeriodStatus.CLOSED.value))  # fmt: skip

    def _apply_corrections(self, conn: sa.Connection, corrections: Sequence[Correction]) -> None:
        sql = (
            "UPDATE rewards_video_lines SET views_lost = views_lost + {p}, "
            "micros_clawed = micros_clawed + {p} WHERE period = {p} AND video = {p}"
        )
        mark = "%s" if self.engine.dialect.name == "postgresql" else "?"
        rows = [(c.views_lost, c.micros, c.source, c.video) for c in corrections]
        if rows:
            conn.exec_driver_sql(sql.format(p=mark), rows)

    # -- statements and lines --------------------------------------------------------

    def statements(self, *, period: str | None = None, creator: int | None = None,
                   limit: int | None = None) -> list[Statement]:  # fmt: skip
        query = sa.select(s.statements).order_by(s.statements.c.period, s.statements.c.creator)
        if period is not None:
            query = query.where(s.statements.c.period == period)
        if creator is not None:
            query = query.where(s.statements.c.creator == creator)
        with self.engine.connect() as conn:
            return [_statement(r) for r in conn.execute(query.limit(limit))]

    def lines(self, *, period: str | None = None, creator: int | None = None,
              videos: Iterable[int] | None = None) -> list[VideoLine]:  # fmt: skip
        c = s.video_lines.c
        query = sa.select(*(c[n] for n in _LINE)).order_by(c.period, c.video)
        if period is not None:
            query = query.where(c.period == period)
        if creator is not None:
            query = query.where(c.creator == creator)
        if videos is not None:
            query = query.where(one_of(self.engine, c.video, sorted(set(videos))))
        with self.engine.connect() as conn:
            return [VideoLine(*r) for r in conn.execute(query)]

    def corrections(self, period: str) -> list[Correction]:
        c = s.corrections.c
        query = sa.select(*(c[n] for n in _CORRECTION)).where(c.period == period)
        with self.engine.connect() as conn:
            return [Correction(*r) for r in conn.execute(query.order_by(c.source, c.video))]

    def video_totals(self, videos: I64) -> I64:
        """Qualified views through the closed periods, per video (0 when none yet)."""
        out = np.zeros(len(videos), np.int64)
        if not len(videos):
            return out
        c = s.video_totals.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.video, c.views)).all()
        if rows:
            known = np.array(rows, np.int64)
            order = np.argsort(known[:, 0])
            ids, views = known[order, 0], known[order, 1]
            at = np.minimum(np.searchsorted(ids, videos), len(ids) - 1)
            hit = ids[at] == videos
            out[hit] = views[at[hit]]
        return out

    # -- plumbing ----------------------------------------------------------------------

    def _insert(self, conn: sa.Connection, table: sa.Table, names: list[str],
                rows: list[tuple[Any, ...]]) -> None:  # fmt: skip
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({{}})"
        self._many(conn, sql, rows)

    def _many(self, conn: sa.Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        mark = "%s" if self.engine.dialect.name == "postgresql" else "?"
        conn.exec_driver_sql(sql.format(", ".join([mark] * len(rows[0]))), rows)


def _enrollment(row: sa.Row[Any]) -> Enrollment:
    return Enrollment(row.creator, row.joined_ms, EnrollmentStatus(row.status), row.left_ms)


def _period(row: sa.Row[Any]) -> PeriodClose:
    return PeriodClose(row.label, row.first_day, row.last_day, Mode(row.mode), row.rate_micros,
                       row.pool_micros, row.distributed, row.views, row.viewers, row.creators,
                       row.clawed, PeriodStatus(row.status), row.closed_ms)  # fmt: skip


def _period_row(p: PeriodClose) -> dict[str, Any]:
    row = {_PERIOD.get(f.name, f.name): getattr(p, f.name) for f in fields(PeriodClose)}
    row["mode"], row["status"] = p.mode.value, p.status.value
    return row


def _statement_row(x: Statement) -> tuple[Any, ...]:
    values = list(_statement_values(x))
    values[_STATEMENT.index("reasons")] = "\n".join(x.reasons)
    return tuple(values)


def _statement(row: sa.Row[Any]) -> Statement:
    values = {n: getattr(row, n) for n in _STATEMENT}
    values["reasons"] = tuple(r for r in values["reasons"].split("\n") if r)
    values["eligible"] = bool(values["eligible"])
    return Statement(**values)
