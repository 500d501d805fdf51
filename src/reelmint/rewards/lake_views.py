"""What a close reads from the event lake, by DuckDB over its Parquet files.

Qualified views follow the events' definition (`reelmint.events.stats`): For You plays
watched at least 5 s, not paid, not invalid, counted once per viewer per video in the
period. Plays covered by a late flag (`reelmint.events.flags`) made by the moment asked
about are left out too, so a close read again later gives the same figures, and the
next close sees the flags that arrived since.

Only the files of the period's days (and of plays) are opened. Sets of ids (enrolled
creators, earning videos) go in as Arrow tables, which DuckDB joins in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from reelmint.events.flags import flag_files, not_flagged
from reelmint.events.lake import DAY_MS, day_label
from reelmint.events.model import Kind
from reelmint.events.stats import QUALIFYING_SQL, lake_files, run_query
from reelmint.rewards.modes import ViewerWatch

I64 = NDArray[np.int64]
_WINDOW = ("ts >= make_timestamptz($start::BIGINT * 1000) "
           "AND ts < make_timestamptz($end::BIGINT * 1000)")  # fmt: skip


@dataclass(frozen=True)
class Window:
    """Where and when to read: the lake, [start_ms, end_ms), flags made by `by_ms`."""

    root: Path
    start_ms: int
    end_ms: int
    by_ms: int
    min_watch_ms: int = 5_000

    @property
    def days(self) -> tuple[date, date]:
        return (date.fromisoformat(day_label(self.start_ms // DAY_MS)),
                date.fromisoformat(day_label((self.end_ms - 1) // DAY_MS)))  # fmt: skip

    def files(self, kind: Kind) -> list[str]:
        return lake_files(self.root, [kind], *self.days)

    def params(self) -> dict[str, Any]:
        return {"start": self.start_ms, "end": self.end_ms, "min_watch": self.min_watch_ms,
                "by": self.by_ms, "flags": flag_files(self.root, self.by_ms)}  # fmt: skip

    def qualifying(self, params: dict[str, Any]) -> str:
        """The WHERE clause of a qualified play in the window (alias p)."""
        where = f"NOT invalid AND {QUALIFYING_SQL} AND {_WINDOW}"
        if params["flags"]:
            where += " AND " + not_flagged("p", "flags", "by")
        return where


def video_views(w: Window, creators: I64, videos: I64 | None = None) -> pa.Table:
    """Qualified views per video of `creators` (only `videos`, if given): object, author,
    views, ascending by object."""
    files = w.files(Kind.PLAY)
    if not files or not len(creators):
        return _empty(["object", "author", "views"])
    params = w.params() | {"plays": files}
    tables = {"wanted": pa.table({"creator": creators})}
    only = ""
    if videos is not None:
        tables["chosen"] = pa.table({"video": videos})
        only = " AND object IN (SELECT video FROM chosen)"
    sql = (f"SELECT object, author, count(DISTINCT user)::BIGINT AS views "
           f"FROM read_parquet($plays) p WHERE {w.qualifying(params)}{only} "
           f"AND author IN (SELECT creator FROM wanted) "
           f"GROUP BY object, author ORDER BY object")  # fmt: skip
    return run_query(sql, params, tables)


def video_engagement(w: Window, videos: I64) -> pa.Table:
    """For RPM multipliers, per video in the window: object, plays, watch_ms, engaged
    (likes + comments + shares); valid events only."""
    if not len(videos):
        return _empty(["object", "plays", "watch_ms", "engaged"])
    params = w.params()
    plays, others = w.files(Kind.PLAY), []
    for kind in (Kind.LIKE, Kind.COMMENT, Kind.SHARE):
        others += w.files(kind)
    params |= {"plays": plays or [], "others": others}
    branches = ["SELECT object, count(*) AS plays, sum(watch_ms)::BIGINT AS watch_ms, "
                f"0 AS engaged FROM read_parquet($plays) WHERE NOT invalid AND {_WINDOW} "
                "GROUP BY object"] if plays else []  # fmt: skip
    if others:
        branches.append("SELECT object, 0, 0, count(*) FROM read_parquet($others, "
                        f"union_by_name = true) WHERE NOT invalid AND {_WINDOW} "
                        "GROUP BY object")  # fmt: skip
    if not branches:
        return _empty(["object", "plays", "watch_ms", "engaged"])
    sql = (f"SELECT v.video AS object, coalesce(sum(plays), 0)::BIGINT AS plays, "
           f"coalesce(sum(watch_ms), 0)::BIGINT AS watch_ms, "
           f"coalesce(sum(engaged), 0)::BIGINT AS engaged FROM videos v LEFT JOIN "
           f"({' UNION ALL '.join(branches)}) e ON e.object = v.video "
           f"GROUP BY v.video ORDER BY v.video")  # fmt: skip
    return run_query(sql, params, {"videos": pa.table({"video": videos})})


def viewer_watch(w: Window, videos: I64) -> ViewerWatch:
    """User-centric's input over the earning `videos`: each viewer's qualified views per
    creator, summed over viewers with the same total (`modes.viewer_watch`, in SQL)."""
    files = w.files(Kind.PLAY)
    empty = np.zeros(0, np.int64)
    if not files or not len(videos):
        return ViewerWatch(empty, empty, empty, 0)
    params = w.params() | {"plays": files}
    sql = f"""
        WITH pairs AS (
            SELECT DISTINCT object, author, user FROM read_parquet($plays) p
            WHERE {w.qualifying(params)} AND object IN (SELECT video FROM earning)),
        per AS (SELECT user, author, count(*) AS views FROM pairs GROUP BY user, author),
        totals AS (SELECT author, views, sum(views) OVER (PARTITION BY user) AS total,
                   row_number() OVER (PARTITION BY user) = 1 AS first FROM per)
        SELECT author, total::BIGINT AS total, sum(views)::BIGINT AS views,
               count(*) FILTER (WHERE first)::BIGINT AS viewers
        FROM totals GROUP BY author, total ORDER BY author, total
    """
    table = run_query(sql, params, {"earning": pa.table({"video": videos})})
    col = {name: table.column(name).to_numpy().astype(np.int64) for name in table.column_names}
    return ViewerWatch(col["author"], col["total"], col["views"], int(col["viewers"].sum()))


def plays_by_creator(root: Path, creators: I64, start_ms: int, end_ms: int) -> dict[int, int]:
    """Valid plays (any surface) of each creator's videos in [start_ms, end_ms)."""
    w = Window(root, start_ms, end_ms, end_ms)
    files = w.files(Kind.PLAY)
    if not files or not len(creators):
        return {}
    sql = (f"SELECT author, count(*)::BIGINT AS plays FROM read_parquet($plays) "
           f"WHERE NOT invalid AND {_WINDOW} AND author IN (SELECT creator FROM wanted) "
           f"GROUP BY author")  # fmt: skip
    table = run_query(sql, w.params() | {"plays": files},
                      {"wanted": pa.table({"creator": creators})})  # fmt: skip
    return dict(zip(table.column("author").to_pylist(), table.column("plays").to_pylist(),
                    strict=True))  # fmt: skip


def followers_by_creator(root: Path, creators: I64, until_ms: int) -> dict[int, int]:
    """Distinct followers of each creator from the lake's follow events before `until_ms`."""
    w = Window(root, 0, until_ms, until_ms)
    files = lake_files(root, [Kind.FOLLOW], None, w.days[1])
    if not files or not len(creators):
        return {}
    sql = ("SELECT author, count(DISTINCT user)::BIGINT AS followers "
           "FROM read_parquet($follows) WHERE NOT invalid "
           "AND ts < make_timestamptz($end::BIGINT * 1000) "
           "AND author IN (SELECT creator FROM wanted) GROUP BY author")  # fmt: skip
    table = run_query(sql, {"follows": files, "end": until_ms},
                      {"wanted": pa.table({"creator": creators})})  # fmt: skip
    return dict(zip(table.column("author").to_pylist(), table.column("followers").to_pylist(),
                    strict=True))  # fmt: skip


def _empty(names: list[str]) -> pa.Table:
    return pa.table({n: pa.array([], pa.int64()) for n in names})
