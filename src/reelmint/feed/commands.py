"""`reelmint feed ...`: post videos, ingest events, read a page, ask the likes what-if.

Thin: each command parses its input, calls the feed service, and prints. The service
comes from the context the root CLI sets up, built on first use (it loads the catalog
and replays the lake).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from reelmint.content.model import ContentError, Origin, Video
from reelmint.events.codec import CodecError, batch_from_records
from reelmint.feed.service import FeedService

app = typer.Typer(
    help="The For You feed: post videos, ingest engagement events, read a user's page, and "
    "see how a video's exposure moves with its like rate.\n\n"
    "Likes pay nothing by themselves: they raise a video's score, the score buys it a "
    "bigger traffic pool, and the views that brings are what pay. `elasticity` shows the "
    "middle of that chain for one video.",
    no_args_is_help=True,
)
console = Console()
AtOption = Annotated[str | None, typer.Option("--at", help="as of this ISO time (default: now)")]


def _feed(ctx: typer.Context) -> FeedService:
    opener: Callable[[], FeedService] = ctx.meta["feed"]
    return opener()


def _now_ms(at: str | None) -> int:
    if at is None:
        return int(datetime.now(UTC).timestamp() * 1000)
    try:
        moment = datetime.fromisoformat(at)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 time: {at!r} (try 2026-11-01T12:00:00Z)") from exc
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)


def _records(path: Path) -> list[dict[str, Any]]:
    """JSON lines: one object per line; blank lines are skipped."""
    records = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from exc
    if not records:
        raise ValueError(f"{path} holds no records")
    return records


@app.command()
def videos(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="JSON lines of videos", exists=True, dir_okay=False)],
) -> None:
    """Add videos to the catalog, all or nothing. One JSON object per line:

    {"id": 1, "creator": 7, "duration_ms": 30000, "topic": 3, "posted_at": "2026-11-01T10:00:00Z"}

    (`origin` is original, duet, stitch or sponsored; original by default.)
    """
    parsed = []
    for i, r in enumerate(_records(file), 1):
        try:
            parsed.append(Video(int(r["id"]), int(r["creator"]), int(r["duration_ms"]),
                                int(r["topic"]), _now_ms(r["posted_at"]),
                                Origin[str(r.get("origin", "original")).upper()]))  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise ContentError(f"{file} record {i}: {exc!r}") from exc
    fresh = _feed(ctx).post_videos(parsed)
    console.print(f"{sum(fresh):,} new videos, {len(fresh) - sum(fresh):,} already known")


@app.command()
def ingest(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="JSON lines of events", exists=True, dir_okay=False)],
    at: AtOption = None,
) -> None:
    """Ingest events (one JSON object per line, the fields of POST /v1/events). Refused
    events are listed with their line and reason; the rest are stored in the lake."""
    try:
        batch = batch_from_records(_records(file))
    except CodecError as exc:
        raise ValueError(f"{file}: {exc}") from exc
    report = _feed(ctx).ingest(batch, _now_ms(at))
    console.print(f"accepted {report.accepted:,}, refused {report.refused:,}")
    for index, reason in report.refusals[:50]:
        console.print(f"  line {index + 1}: {reason}")
    if report.refused > 50:
        console.print(f"  ... and {report.refused - 50:,} more: {report.by_reason}")


@app.command("for-you")
def for_you(
    ctx: typer.Context,
    user: Annotated[int, typer.Argument(help="user id", min=0)],
    n: Annotated[int, typer.Option(help="positions on the page", min=1, max=100)] = 8,
    at: AtOption = None,
) -> None:
    """Show the user's For You page, best first (ad slots marked)."""
    page = _feed(ctx).for_you(user, n, _now_ms(at))
    table = Table(title=f"For You, user {user}")
    table.add_column("#", justify="right")
    table.add_column("video", justify="right")
    table.add_column("score", justify="right")
    for i, (video, score) in enumerate(zip(page.videos, page.scores, strict=True)):
        shown = "[dim]ad slot[/]" if i in page.ad_positions else (str(video) if video >= 0 else "—")
        table.add_row(str(i), shown, "" if video < 0 else f"{score:.3f}")
    console.print(table)


@app.command()
def elasticity(
    ctx: typer.Context,
    video: Annotated[int, typer.Argument(help="video id", min=0)],
    change: Annotated[list[float] | None, typer.Option(
        help="relative like-rate change, repeatable (0.5 is +50%)")] = None,
    users: Annotated[int, typer.Option(help="users sampled per point", min=1)] = 2_000,
    at: AtOption = None,
) -> None:  # fmt: skip
    """How the video's exposure would move if its like rate moved, all else equal.

    Each row re-scores the video with its like rate scaled: its score, whether that
    clears its traffic pool's promotion bar (and so the audience it heads for), and the
    share of sampled users' pages it would make.

    Example: reelmint feed elasticity 42 --change -0.5 --change 0.5 --change 1
    """
    changes = (0.0, *(change or (-0.5, 0.5, 1.0)))
    points = _feed(ctx).elasticity(video, changes, _now_ms(at), sample_users=users)
    base = points[0].win_rate or 1.0
    table = Table(title=f"video {video}: exposure against its like rate (pool {points[0].pool})")
    for column in ("like change", "like rate", "score", "bar", "heads for", "win rate", ""):
        table.add_column(column, justify="right" if column else "left")
    for p in points:
        heads = "open" if p.headed_for is None else f"{p.headed_for:,} imp."
        bar = "█" * round(20 * p.win_rate / max(x.win_rate for x in points) if p.win_rate else 0)
        table.add_row(f"{p.like_change:+.0%}", f"{p.like_rate:.2%}", f"{p.score:.3f}",
                      "—" if p.bar != p.bar else f"{p.bar:.3f}",
                      ("[green]" if p.promoted else "[red]") + heads + "[/]",
                      f"{p.win_rate:.1%} ({p.win_rate / base - 1:+.0%})", bar)  # fmt: skip
    console.print(table)
