"""One in-process registry of sensitive texts, and ``mask_text``: the function every writer calls.

Two kinds of text are registered while a process runs:

- secret values (passwords, API keys) the vault hands out: replaced by ``***`` (:data:`SECRET_TOKEN`);
- the names of the run's citizens (read from a system, or from a work item's payload): replaced by ``[navn]``
  (:data:`NAME_TOKEN`, Danish like the caseworkers' texts). Names match whole words, case-insensitively and
  with any run of white space between their parts (``JENS  HANSEN`` too).

``mask_text`` masks secrets, then names, then CPR numbers (``rpa_core.privacy.mask_cpr``). Values shorter than
:data:`MIN_LENGTH` characters are ignored: masking every ``25`` or ``ja`` would wreck every log line and, by
where the stars appear, tell what the secret is. A vault secret's account keys (``username``: :data:`ACCOUNT_KEYS`)
are not registered, its passwords, keys and tokens are. Each value is also registered in the forms a writer may have
turned it into (XML/HTML-escaped, inside a Python repr, URL-quoted). Where two values overlap in a text, the
union of both is masked, so no part of either is left. Registration is thread-safe; masking reads a snapshot.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import Any
from urllib.parse import quote, quote_plus

from rpa_core.privacy.cpr import mask_cpr

SECRET_TOKEN = "***"
NAME_TOKEN = "[navn]"
MIN_LENGTH = 4
# Keys of a vault secret that name the account rather than prove it: not masked. A robot's login is typically
# "robot" or "svc-ydelse"; masked, every "robot" in every log, path and output.xml would read ***.
ACCOUNT_KEYS = frozenset({"username", "user", "user_name", "login", "brugernavn", "email", "account"})


_WORD = re.compile(r"\w+")
Name = tuple[tuple[str, ...], tuple[str, ...]]  # its words in lower case, and what separates them


def _variants(value: str) -> set[str]:
    """The value and the forms writers turn it into: XML/HTML escaped, inside a repr, URL quoted."""
    forms = {value, value.strip(), html.escape(value, quote=False), html.escape(value), repr(value)[1:-1]}
    forms |= {quote(value, safe=""), quote_plus(value, safe="")}
    return {form for form in forms if len(form) >= MIN_LENGTH}


def _separator(text: str) -> str:
    """What separates two words of a name, white space runs as one space: ``"Hans-Ole"``, ``"Hans - Ole"``."""
    return " ".join(text.split()) or " "


def _words(text: str) -> tuple[list[re.Match[str]], list[str]]:
    tokens = list(_WORD.finditer(text))
    return tokens, [_separator(text[a.end() : b.start()]) for a, b in pairwise(tokens)]


def _name(value: str) -> Name | None:
    tokens, separators = _words(value)
    return (tuple(t.group().lower() for t in tokens), tuple(separators)) if tokens else None


def _merge(spans: list[tuple[int, int]]) -> list[list[int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def _replace_spans(text: str, spans: list[tuple[int, int]], token: str) -> str:
    pieces, last = [], 0
    for start, end in _merge(spans):
        pieces += [text[last:start], token]
        last = end
    return "".join(pieces) + text[last:]


def _mask_secrets(text: str, pattern: re.Pattern[str] | None) -> str:
    """Every (possibly overlapping) occurrence of a secret: the pattern finds the longest at each position."""
    if pattern is None:
        return text
    spans = [(m.start(1), m.end(1)) for m in pattern.finditer(text)]
    return _replace_spans(text, spans, SECRET_TOKEN) if spans else text


def _mask_names(text: str, index: dict[str, list[Name]]) -> str:
    """Whole-word matches of the names, any case: the text's words are looked up by a name's first word, so
    the cost grows with the text, not with how many names are registered (no pattern to recompile)."""
    if not index:
        return text
    tokens = list(_WORD.finditer(text))
    lowered = [t.group().lower() for t in tokens]
    spans = []
    for i, word in enumerate(lowered):
        for words, between in index.get(word, ()):  # longest first
            k = len(words)
            if tuple(lowered[i : i + k]) != words:
                continue
            found = tokens[i : i + k]
            pairs = zip(pairwise(found), between, strict=True)
            if all(_separator(text[a.end() : b.start()]) == sep for (a, b), sep in pairs):
                spans.append((found[0].start(), found[-1].end()))
                break
    return _replace_spans(text, spans, NAME_TOKEN) if spans else text


class SensitiveTexts:
    """The secret values and citizens' names one process has seen; :meth:`mask` hides them in a text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._stale = False  # the secrets' pattern is compiled when next needed
        self._names: dict[Name, str] = {}
        self._index: dict[str, list[Name]] = {}  # first word -> names, longest first

    def add_secret(self, value: Any) -> bool:
        """Register a secret value (and its escaped forms); False when too short or known already."""
        if not isinstance(value, str) or len(value.strip()) < MIN_LENGTH:
            return False
        new = _variants(value) - self._secrets
        if not new:
            return False
        with self._lock:
            self._secrets |= new
            self._stale = True
        return True

    def add_name(self, value: Any) -> bool:
        """Register a citizen's name (``"Jens Hansen"``); False when too short or known already."""
        if not isinstance(value, str) or len(value.strip()) < MIN_LENGTH:
            return False
        name = _name(html.unescape(value))
        if name is None or name in self._names:
            return False
        with self._lock:
            if name in self._names:
                return False
            self._names[name] = " ".join(value.split())
            same_start = [*self._index.get(name[0][0], []), name]
            index = dict(self._index)  # copy on write: a mask running meanwhile keeps its snapshot
            index[name[0][0]] = sorted(same_start, key=lambda n: len(n[0]), reverse=True)
            self._index = index
        return True

    def _secret_pattern(self) -> re.Pattern[str] | None:
        if self._stale:
            with self._lock:
                if self._stale:
                    ordered = sorted(self._secrets, key=len, reverse=True)
                    self._pattern = re.compile("(?=(" + "|".join(map(re.escape, ordered)) + "))") if ordered else None
                    self._stale = False
        return self._pattern

    def names(self) -> list[str]:
        """The registered names as given, single spaces between their parts (for matching a page's text)."""
        return sorted(self._names.values())

    @property
    def secret_count(self) -> int:
        return len(self._secrets)

    @property
    def name_count(self) -> int:
        return len(self._names)

    def clear(self) -> None:
        """Forget everything (tests; a process that starts on another run)."""
        with self._lock:
            self._secrets, self._pattern, self._stale = set(), None, False
            self._names, self._index = {}, {}

    def mask(self, text: str) -> str:
        """``text`` with secrets as ``***``, names as ``[navn]`` and CPR numbers as ``ddmmyy-XXXX``."""
        if not text or not isinstance(text, str):
            return text
        return mask_cpr(self.mask_registered(text))

    def occurs_in(self, text: str) -> bool:
        """Whether a registered secret, or the first word of a registered name, occurs in ``text`` at all: a fast
        test before a large file is masked piece by piece."""
        lowered = text.lower() if self._index else ""
        return any(secret in text for secret in self._secrets) or any(word in lowered for word in self._index)

    def mask_registered(self, text: str) -> str:
        """Secrets and names only (no CPR masking)."""
        return _mask_names(_mask_secrets(text, self._secret_pattern()), self._index) if text else text


REGISTRY = SensitiveTexts()


def register_secret(value: Any) -> bool:
    """Register one secret value in this process's registry."""
    return REGISTRY.add_secret(value)


def register_secrets(values: Mapping[str, Any] | Iterable[Any]) -> int:
    """Register a vault secret's values (a mapping: every key but :data:`ACCOUNT_KEYS`) or each value of an
    iterable; how many were new."""
    if isinstance(values, Mapping):
        values = [value for key, value in values.items() if str(key).lower() not in ACCOUNT_KEYS]
    return sum(REGISTRY.add_secret(value) for value in values)


def register_name(value: Any) -> bool:
    """Register one citizen's name in this process's registry."""
    return REGISTRY.add_name(value)


def mask_text(text: str) -> str:
    """Secrets, then names, then CPR numbers masked: the one function every writer calls."""
    return REGISTRY.mask(text)


def mask_data(value: Any) -> Any:
    """:func:`mask_text` over a string, or the strings inside lists, tuples and dicts (keys too)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {mask_data(k): mask_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_data(v) for v in value)
    return value
