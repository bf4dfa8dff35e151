"""A run's artifacts: ``runs/<run-id>/`` with one folder per step process, merged into output.xml and log.html."""

from __future__ import annotations

import io
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def _readable(path: Path) -> bool:
    from robot.api import ExecutionResult
    from robot.errors import DataError

    try:
        ExecutionResult(str(path))
        return True
    except DataError:
        return False


def merge_outputs(run_dir: Path, robot_name: str, outputs: list[Path]) -> Path | None:
    """Combine the steps' output.xml files into ``run_dir``/output.xml and log.html, CPR masked again.

    An output that cannot be read (a process killed mid-write) is left out and named in the log.
    Returns the log.html path, or None when nothing could be merged.
    """
    from robot import rebot

    from rpa_core.privacy.listener import CprMaskingModifier

    present = [p for p in outputs if p.is_file()]
    readable = [p for p in present if _readable(p)]
    for skipped in sorted(set(present) - set(readable)):
        log.warning("left out of the merged log (unreadable, process probably killed): %s", skipped)
    if not readable:
        return None
    rc = rebot(
        *[str(p) for p in readable],
        rpa=True,
        name=robot_name,
        outputdir=str(run_dir),
        output="output.xml",
        log="log.html",
        report="NONE",
        prerebotmodifier=CprMaskingModifier(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    log_path = run_dir / "log.html"
    if rc >= 251 or not log_path.is_file():
        log.warning("merging step outputs into %s failed (rebot rc=%s)", run_dir, rc)
        return None
    return log_path


def first_failure(output_xml: Path, limit: int = 300) -> str | None:
    """The message of the first failed task in a step's output.xml (CPR masked, one line), or None.

    Tells the operator why a step failed without opening the log: "Parent suite setup failed: FileNotFound...".
    A missing or half-written file (a killed process) gives None.
    """
    from xml.etree.ElementTree import ParseError, iterparse

    from rpa_core.privacy import mask_text

    try:
        for _, element in iterparse(output_xml, events=("end",)):
            if element.tag != "test":
                continue
            status = element.find("status")
            if status is not None and status.get("status") == "FAIL" and (status.text or "").strip():
                text = " ".join(mask_text(status.text).split())
                return text if len(text) <= limit else text[: limit - 3] + "..."
            element.clear()
    except (OSError, ParseError):
        return None
    return None
