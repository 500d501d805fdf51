"""Calibration from KuaiRand-Pure, and the built-in fit used when the folder is absent."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from reelmint.sim.calibration import BUILT_IN, FILES, LogNormal, calibrate, default_dir

DATA = default_dir()
needs_data = pytest.mark.skipif(
    not all((DATA / name).is_file() for name in FILES),
    reason=f"KuaiRand-Pure is not at {DATA}",
)


def test_absent_folder_falls_back_to_the_built_in_fit(tmp_path: Path) -> None:
    assert calibrate(tmp_path / "nowhere") is BUILT_IN
    (tmp_path / FILES[0]).write_text("user_id\n")  # one file of two is not a data set
    assert calibrate(tmp_path) is BUILT_IN


@needs_data
def test_the_built_in_fit_is_the_fit_of_the_files() -> None:
    fitted = calibrate(DATA)
    assert fitted.source != BUILT_IN.source
    for name in ("fans", "follows", "duration_ms"):
        got, kept = getattr(fitted, name), getattr(BUILT_IN, name)
        assert got.mu == pytest.approx(kept.mu, abs=1e-3) and got.sigma == pytest.approx(
            kept.sigma, abs=1e-3
        ), name
    assert fitted.author_share == pytest.approx(BUILT_IN.author_share, abs=1e-3)
    assert fitted.live_share == pytest.approx(BUILT_IN.live_share, abs=1e-3)
    assert fitted.activity == pytest.approx(BUILT_IN.activity, abs=1e-3)
    assert np.allclose(fitted.topics(32), BUILT_IN.topics(32), atol=1e-3)


@needs_data
def test_fits_reproduce_the_published_shape_of_the_data() -> None:
    fitted = calibrate(DATA)
    # Per the data's README and our earlier reading: median fans about 48, median video
    # 81 s, four in five users have posted, about one in four streams.
    assert 30 < fitted.fans.median - 1 < 70
    assert 60_000 < fitted.duration_ms.median < 100_000
    assert 0.75 < fitted.author_share < 0.9 and 0.15 < fitted.live_share < 0.3


def test_a_data_folder_is_read_when_present(tmp_path: Path) -> None:
    (tmp_path / FILES[0]).write_text(
        "user_id,user_active_degree,is_live_streamer,is_video_author,follow_user_num,"
        "fans_user_num\n0,full_active,1,1,9,99\n1,high_active,-124,0,99,0\n"
    )
    (tmp_path / FILES[1]).write_text("video_id,video_duration,tag\n0,10000.0,7\n1,40000.0,7\n"
                                     "2,,UNKNOWN\n")  # fmt: skip
    cal = calibrate(tmp_path)
    assert cal.author_share == 0.5 and cal.live_share == 0.5
    assert cal.fans == LogNormal.fit(np.array([100.0, 1.0]))
    assert cal.duration_ms.median == pytest.approx(20_000, rel=1e-3)
    assert cal.activity == {"full_active": 0.5, "high_active": 0.5}
    assert cal.topic_shares == (1.0,)


@needs_data
def test_a_copy_of_the_data_elsewhere_calibrates_the_same(tmp_path: Path) -> None:
    for name in FILES:
        shutil.copy(DATA / name, tmp_path / name)
    assert calibrate(tmp_path).fans == calibrate(DATA).fans


def test_topics_fold_the_tail_into_the_last_topic() -> None:
    shares = BUILT_IN.topics(4)
    assert shares.sum() == pytest.approx(1)
    assert shares[0] > shares[1] > shares[2]
    assert shares[3] > shares[2]  # the folded tail of 29 topics outweighs the third tag
    flat = BUILT_IN.topics(1)
    assert flat.tolist() == [1.0]
