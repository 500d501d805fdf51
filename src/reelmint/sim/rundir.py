"""The output folder of a run: checked before anything is written, filled in a staging
folder beside it, and moved into place only when the run has finished.

So a run that fails or is interrupted leaves the folder as it was (absent, empty, or
the earlier run), never half of a new one. A folder holding another run is refused
unless `overwrite` is given, and only a folder that is a run (it has a summary.json)
or empty may be overwritten: nothing else of the user's is ever deleted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class RunDirError(ValueError):
    """The out folder cannot take this run; the message says why and what to do."""


def check(out: Path, *, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise RunDirError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / "summary.json").is_file():
            raise RunDirError(f"--out {out} is not empty and holds no run; choose an empty "
                              "or new folder")  # fmt: skip
        if not overwrite:
            raise RunDirError(f"--out {out} already holds a run; pass --overwrite to replace "
                              "it, or choose another folder")  # fmt: skip
    parent = _existing_parent(out.absolute().parent)  # the staging folder goes there
    try:  # a real attempt: permissions, read-only mounts and quotas all show up here
        os.rmdir(tempfile.mkdtemp(prefix=".reelmint-probe-", dir=parent))
    except OSError as exc:
        raise RunDirError(f"--out {out} cannot be written ({exc.strerror} in {parent})") from None


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A fresh staging folder next to `out`; on success it replaces `out`, on any error
    it is removed and `out` is untouched."""
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.parent / f".{out.name}.partial"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if out.exists():
        old = out.parent / f".{out.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        stage.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        stage.rename(out)


def _existing_parent(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path if path.is_dir() else path.parent
