"""Masking finished files in place: output.xml and HTML by their text and attribute values only, others whole.

A registered value may be an ordinary word (a password ``robot`` or ``status``); masked across the raw text of an
XML file it would turn ``<robot generator=...>`` into ``<*** generator=...>`` and break the file. In markup, only
what is between tags and what is inside quoted attribute values is masked; CPR masking (digits only) covers the
whole text as before.
"""

from __future__ import annotations

import re
from pathlib import Path

from rpa_core.privacy.cpr import mask_cpr
from rpa_core.privacy.registry import REGISTRY

MARKUP_SUFFIXES = frozenset({".xml", ".html", ".htm"})
_TAG = re.compile(r"<[^<>]*>")
_QUOTED = re.compile(r"(\"[^\"]*\"|'[^']*')")


def _sensitive(text: str) -> str:
    """Secrets and names only (CPR numbers are masked over the whole text afterwards)."""
    return REGISTRY.mask_registered(text)


def mask_markup(text: str) -> str:
    """Secrets and names in the text and attribute values of XML or HTML, never in its tags; then CPR numbers."""
    if not REGISTRY.occurs_in(text):
        return mask_cpr(text)
    pieces, last = [], 0
    for tag in _TAG.finditer(text):
        pieces.append(_sensitive(text[last : tag.start()]))
        pieces.append(_QUOTED.sub(lambda value: value.group()[0] + _sensitive(value.group()[1:-1]) + value.group()[-1],
                                  tag.group()))  # fmt: skip
        last = tag.end()
    pieces.append(_sensitive(text[last:]))
    return mask_cpr("".join(pieces))


def mask_file(path: Path) -> bool:
    """Mask a text file in place (a finished output.xml); True when something changed. XML and HTML files
    (:data:`MARKUP_SUFFIXES`) keep their markup; the tokens hold no ``<``, ``&`` or quote."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return False
    masked = mask_markup(text) if path.suffix.lower() in MARKUP_SUFFIXES else REGISTRY.mask(text)
    if masked == text:
        return False
    temporary = path.with_name(path.name + ".masking")
    temporary.write_text(masked, encoding="utf-8")
    temporary.replace(path)
    return True
