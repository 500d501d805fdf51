"""`reelmint feed ...` end to end in a subprocess: videos, events, a page, the what-if."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import reelmint

AT = "2026-11-01T12:05:00Z"


def lines(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_the_feed_commands_post_ingest_serve_and_explain(tmp_path: Path) -> None:
    videos = lines(tmp_path / "videos.jsonl", [
        {"id": i, "creator": 100 + i % 5, "duration_ms": 30_000, "topic": i % 8,
         "posted_at": "2026-11-01T10:00:00Z"} for i in range(1, 41)
    ])  # fmt: skip
    events = [{"ts": "2026-11-01T12:00:00Z", "kind": k, "user": u, "object": 1 + (u * 7) % 40,
               **({"watch_ms": 9_000} if k == "play" else {})}
              for u in range(60) for k in ("impression", "play", "like")]  # fmt: skip
    events.append({"ts": "2026-11-01T12:00:00Z", "kind": "share", "user": 3, "object": 999})
    ingest_file = lines(tmp_path / "events.jsonl", events)

    posted = reelmint("feed", "videos", str(videos), home=tmp_path)
    ingested = reelmint("feed", "ingest", str(ingest_file), "--at", AT, home=tmp_path)
    page = reelmint("feed", "for-you", "9", "--n", "5", "--at", AT, home=tmp_path)
    what_if = reelmint("feed", "elasticity", "8", "--change", "1", "--users", "50",
                       "--at", AT, home=tmp_path)  # fmt: skip

    assert posted.returncode == 0 and "40 new videos" in posted.stdout
    assert ingested.returncode == 0, ingested.stderr
    assert "accepted 180, refused 1" in ingested.stdout
    assert f"line {len(events)}: unknown_video" in ingested.stdout
    assert page.returncode == 0 and page.stdout.count("│") >= 5 * 4
    assert what_if.returncode == 0, what_if.stderr
    assert "+100%" in what_if.stdout and "+0%" in what_if.stdout


def test_bad_feed_input_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": 1}\nnot json\n')

    refused = reelmint("feed", "ingest", str(broken), home=tmp_path)
    missing = reelmint("feed", "elasticity", "77", "--at", AT, home=tmp_path)

    assert refused.returncode == 2 and "not JSON" in refused.stderr
    assert missing.returncode == 2 and "no video 77" in missing.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
