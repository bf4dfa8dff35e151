"""ESDH over its JSON API (CaseSystem): cases, journal notes, a note written exactly once."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from rpa_core.systems.api.client import ApiAdapter
from rpa_core.systems.models import Case, JournalNote, reference_case
from rpa_core.systems.retry import find_note


def _case(data: dict[str, Any]) -> Case:
    return reference_case(
        data["case_number"],
        title=data.get("title", ""),
        cpr=data.get("cpr", ""),
        kind=data.get("kind", ""),
        status=data.get("status", ""),
    )


def _note(data: dict[str, Any]) -> JournalNote:
    created = data.get("created_at")
    return JournalNote(
        note_id=str(data.get("note_id", "")),
        title=data["title"],
        text=data["text"],
        author=data.get("author", ""),
        created=datetime.fromisoformat(created) if created else None,
    )


def _case_path(case_number: str) -> str:
    return f"/sager/{quote(case_number, safe='')}"


class EsdhApi(ApiAdapter):
    """``EsdhApi("http://127.0.0.1:8400/esdh", api_key)``; use ``with`` or call ``close()``."""

    SYSTEM = "ESDH"

    def find_cases(self, cpr: str) -> list[Case]:
        """The citizen's cases; BusinessError UNKNOWN_CPR when the ESDH does not know the person."""
        answer = self.call("find_cases", "POST", "/sager/soeg", json={"cpr": cpr})
        return [_case(c) for c in answer["cases"]]

    def get_case(self, case_number: str) -> Case:
        """One case; BusinessError UNKNOWN_CASE when there is no such case."""
        return _case(self.call("get_case", "GET", _case_path(case_number)))

    def journal_notes(self, case_number: str) -> list[JournalNote]:
        """The case's notes, oldest first."""
        answer = self.call("journal_notes", "GET", _case_path(case_number) + "/notater")
        return [_note(n) for n in answer["notes"]]

    def add_journal_note(self, case_number: str, title: str, text: str) -> JournalNote:
        """Journalise a note. A note with the same title and text already on the case is returned instead of
        writing it again (so a retried or repeated call writes once). BusinessError CASE_CLOSED when the case
        refuses notes, VALIDATION_ERROR when the title or text is refused."""
        step, path = "add_journal_note", _case_path(case_number) + "/notater"

        def attempt() -> JournalNote:
            notes = [_note(n) for n in self.request(step, "GET", path)["notes"]]
            existing = find_note(notes, title, text)
            if existing is not None:
                return existing
            return _note(self.request(step, "POST", path, json={"title": title, "text": text}))

        return self.run(step, attempt)
