"""TOML as text: values written by hand (no writer dependency), and robot.toml's ``[upstream]`` table.

``rpa robot fork`` and ``rpa robot upstream merge`` change robot.toml textually so that every byte a person wrote
stays as it was: the ``[upstream]`` table is cut out (``split_upstream``) and a new one appended at the end
(``join_upstream``). Every value written here reads back equal through ``tomllib``.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from datetime import UTC, date, datetime, time
from typing import Any

from rpa_core.errors import ConfigError
from rpa_core.packaging.manifest import UpstreamInfo

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_HEADER = re.compile(r"^[ \t]*(\[\[?)[ \t]*([^\[\]\n]+?)[ \t]*(\]\]?)[ \t]*(#[^\n]*)?$", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
UPSTREAM_HEADER = "[upstream]  # written by `rpa robot fork` and `rpa robot upstream merge`: never edit by hand"


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else toml_string(key)


def toml_value(value: Any) -> str:
    """``value`` (what tomllib reads: text, numbers, booleans, dates, lists, tables) as inline TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, datetime) and (offset := value.utcoffset()) is not None and offset.seconds % 60:
        return value.astimezone(UTC).isoformat()  # TOML's offsets are whole minutes
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{toml_key(str(key))} = {toml_value(item)}" for key, item in value.items())
        return f"{{ {pairs} }}" if pairs else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def toml_comment(text: str) -> str:
    """``text`` as one TOML comment line's content (no line breaks or control characters)."""
    return _CONTROL.sub(" ", text)


def split_upstream(text: str) -> tuple[str, str | None]:
    """robot.toml's text without its ``[upstream]`` table, and that table's text (None without one).

    Every other byte is kept; blank lines just before a table at the end of the file go with it.
    """
    headers = [match for match in _HEADER.finditer(text) if len(match.group(1)) == len(match.group(3))]
    for index, match in enumerate(headers):
        if match.group(1) != "[" or match.group(2) != "upstream":
            continue
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        block = text[match.start() : end]
        if end == len(text):
            head = text[: match.start()].rstrip("\n")
            return (head + "\n" if head else ""), block
        return text[: match.start()] + text[end:], block
    return text, None


def join_upstream(text: str, block: str) -> str:
    """robot.toml's text (without ``[upstream]``) with ``block`` appended after one blank line."""
    head = text.rstrip("\n")
    return (head + "\n\n" if head else "") + block.rstrip("\n") + "\n"


def check_split(text: str, rest: str, where: str) -> None:
    """Refuse when cutting ``[upstream]`` out of ``text`` changed anything else (e.g. a table inside a string)."""
    try:
        before = {key: value for key, value in tomllib.loads(text).items() if key != "upstream"}
        after = tomllib.loads(rest)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    if before != after:
        raise ConfigError(f"{where}: cannot separate the [upstream] table from the rest of the file")


def parse_upstream(block: str | None, where: str) -> UpstreamInfo | None:
    """The ``[upstream]`` table's text read and checked (its digest proves it was not edited by hand)."""
    if block is None:
        return None
    from pydantic import ValidationError

    try:
        data = tomllib.loads(block).get("upstream")
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: [upstream]: not valid TOML: {exc}") from None
    try:
        return UpstreamInfo.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'upstream'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{where}: [upstream]: {problems.removeprefix('upstream: ')}") from None


def upstream_block(fields: dict[str, Any]) -> str:
    """The ``[upstream]`` table's text for ``fields`` (source, ref, version, ...), sealed with its digest."""
    body = "".join(f"{key} = {toml_value(value)}\n" for key, value in fields.items() if value is not None)
    parsed = tomllib.loads(body)  # seal what a reader will see, not the Python values
    digest = UpstreamInfo.seal(UpstreamInfo.model_construct(**parsed, digest="").sealed_fields())
    block = f"{UPSTREAM_HEADER}\n{body}digest = {toml_string(digest)}\n"
    parse_upstream(block, "[upstream]")  # proves that it reads back valid
    return block
