"""The examples' working folder: wiped at the start of each run, but only when the example made it itself."""

from __future__ import annotations

import shutil
from pathlib import Path

MARKER = ".rpa-example"  # in a workdir an example made, so it may wipe it again


def prepare_workdir(workdir: Path, script: str) -> str | None:
    """Wipe and recreate ``workdir`` when ``script`` made it (or it is new or empty); else the line saying why not."""
    if workdir.exists() and not workdir.is_dir():
        return f"{script}: --workdir {workdir} is a file, not a folder; nothing deleted"
    if workdir.is_dir() and any(workdir.iterdir()) and not (workdir / MARKER).is_file():
        return (
            f"{script}: --workdir {workdir} is not empty and was not made by an example (it has no {MARKER}); "
            "nothing deleted: choose a new or empty folder"
        )
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    (workdir / MARKER).write_text(f"Made by examples/flexloen/{script}.py, which wipes this folder on each run.\n")
    return None
