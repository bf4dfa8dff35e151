"""CPR masking in ``robocorp.log``, the log of Robocorp's Python tasks (``python -m robocorp.tasks run``).

Two passes, as for Robot Framework's listener and the masked output.xml:
- in the step's process (:func:`install`, called by ``rpa_core.runner.robocorp_tasks``): the texts
  robocorp.log writes for variables, arguments, return values and messages pass its redacter's ``redact``; a
  subclass masks CPR numbers there after robocorp.log's own hiding of secrets. The redacter keeps the function it
  uses in its ``redact`` attribute and swaps it as its configuration changes; a property keeps the swaps.
- after the process (:func:`mask_log_files`): what does not pass the redacter (an exception's text, a task's
  status message) is masked in the ``*.robolog`` files and in log.html, whose data is zlib and base64 chunks.
"""

from __future__ import annotations

import ast
import base64
import zlib
from collections.abc import Callable
from pathlib import Path

from rpa_core.privacy.files import mask_file
from rpa_core.privacy.registry import mask_text

_CHUNKS_START, _CHUNKS_END = "let chunks = [", "];"


def mask_log_files(output_dir: Path) -> None:
    """Mask CPR numbers in a finished Python step's robocorp.log files (``*.robolog`` and log.html)."""
    for robolog in sorted(output_dir.glob("*.robolog")):
        mask_file(robolog)
    html = output_dir / "log.html"
    if html.is_file():
        mask_log_html(html)


def mask_log_html(path: Path) -> bool:
    """Mask CPR numbers in robocorp.log's log.html, whose data is a JS list of base64 zlib chunks. The chunks are
    joined before masking (a number may span two) and written back as one. True when something changed."""
    text = path.read_text(encoding="utf-8")
    start = text.find(_CHUNKS_START)
    end = text.find(_CHUNKS_END, start)
    if start < 0 or end < 0:
        return False
    chunks = ast.literal_eval(text[start + len(_CHUNKS_START) - 1 : end + 1])
    data = "".join(zlib.decompress(base64.b64decode(chunk)).decode("utf-8") for chunk in chunks)
    masked = mask_text(data)
    if masked == data:
        return False
    chunk = base64.b64encode(zlib.compress(masked.encode("utf-8"))).decode("ascii")
    temporary = path.with_name(path.name + ".masking")
    temporary.write_text(f"{text[: start + len(_CHUNKS_START)]}'{chunk}'{text[end:]}", encoding="utf-8")
    temporary.replace(path)
    return True


def install() -> None:
    """Mask CPR numbers in everything robocorp.log's redacter passes from now on in this process."""
    from robocorp.log._log_redacter import LogRedacter, _log_redacter

    class CprMaskingRedacter(LogRedacter):
        """robocorp.log's redacter with CPR masking after whatever it hides itself."""

        @property
        def redact(self) -> Callable[..., str]:
            inner = self.__dict__["_current_redact"]

            def redact(text: str, replacement: str = "<redacted>") -> str:
                return mask_text(inner(text, replacement))

            return redact

        @redact.setter
        def redact(self, function: Callable[..., str]) -> None:
            self.__dict__["_current_redact"] = function

    if "_current_redact" in _log_redacter.__dict__:  # installed already
        return
    current = _log_redacter.__dict__.pop("redact")
    _log_redacter.__class__ = CprMaskingRedacter
    _log_redacter.redact = current
