"""ESDH page objects (CaseSystem over the web pages): find the citizen's cases, read a case and its
journal notes, journalise a note exactly once.

``add_journal_note`` acts on the case page the previous step left (``journal_notes`` or ``get_case``) when it
still shows that case (``WebAdapter.recall``); after a failure, or on any other page, it opens it first."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from rpa_core.systems.models import Case, JournalNote, reference_case
from rpa_core.systems.retry import TransientError, find_note
from rpa_core.systems.web.base import WebAdapter
from rpa_core.systems.web.selectors import esdh as sel

TZ = ZoneInfo("Europe/Copenhagen")


def _created(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, sel.NOTE_CREATED_FORMAT).replace(tzinfo=TZ)
    except ValueError:
        return None


def _key(case_number: str) -> str:
    return f"case:{case_number}"


def _note(row: dict[str, Any]) -> JournalNote:
    cells = row["cells"]
    return JournalNote(
        note_id=row["data"].get("noteId", ""),
        title=cells[sel.NOTE_TITLE]["text"],
        text=cells[sel.NOTE_TEXT]["text"],
        author=cells[sel.NOTE_AUTHOR]["text"],
        created=_created(cells[sel.NOTE_CREATED]["text"]),
    )


class EsdhWeb(WebAdapter):
    """The ESDH through its pages. ``base_url`` e.g. ``http://127.0.0.1:8400/esdh``."""

    SYSTEM = sel.SYSTEM
    NAME_SELECTORS = sel.NAME_SELECTORS

    def find_cases(self, cpr: str) -> list[Case]:
        """The citizen's cases; BusinessError UNKNOWN_CPR when the ESDH does not know the person."""

        def attempt() -> list[Case]:
            self.goto(sel.SEARCH_PATH, ready=sel.SEARCH_FORM)
            self.submit(sel.SEARCH_BUTTON, ready=sel.CASES_TABLE, fill={sel.CPR: cpr})
            return [
                reference_case(
                    row["data"]["caseNumber"],
                    title=row["cells"][sel.ROW_TITLE]["text"],
                    cpr=cpr,
                    kind=row["data"].get("kind", ""),
                    status=row["data"].get("status", ""),
                )
                for row in self.rows(sel.CASE_ROW)
            ]

        return self.run("find_cases", attempt)

    def _open(self, case_number: str) -> list[JournalNote]:
        """Open the case page and read its notes (remembered as what the page shows)."""
        mark = self.new_mark()
        self.goto(sel.CASE_PATH.format(case_number=quote(case_number, safe="")), ready=sel.NOTES_TABLE, mark=mark)
        return self.remember(_key(case_number), self._notes(), mark)

    def _current_notes(self, case_number: str) -> list[JournalNote]:
        """The case's notes as the page shows them: the case page read last when it is still that case's
        (nothing changed it since), else the page opened and read now."""
        shown = self.recall(_key(case_number))
        return shown if isinstance(shown, list) else self._open(case_number)

    def get_case(self, case_number: str) -> Case:
        """One case; BusinessError UNKNOWN_CASE when there is no such case."""

        def attempt() -> Case:
            self._open(case_number)
            number, title, cpr, kind, status = self.read(
                (sel.CASE_NUMBER, "text"), (sel.CASE_TITLE, "text"), (sel.CASE_CPR, "text"),
                (sel.CASE_KIND, "text"), (sel.CASE_STATUS, "data-status"),
            )  # fmt: skip
            if not number:
                raise TransientError("the case page is incomplete", code="NOT_RENDERED")
            return reference_case(number, title=title or "", cpr=cpr or "", kind=kind or "", status=status or "")

        return self.run("get_case", attempt)

    def journal_notes(self, case_number: str) -> list[JournalNote]:
        """The case's notes, oldest first (``created`` to the minute, as the page shows it)."""

        def attempt() -> list[JournalNote]:
            return self._open(case_number)

        return self.run("journal_notes", attempt)

    def _notes(self) -> list[JournalNote]:
        return [_note(row) for row in self.rows(sel.NOTE_ROW)]

    def add_journal_note(self, case_number: str, title: str, text: str) -> JournalNote:
        """Journalise a note. A note with the same title and text already on the case is returned instead of
        writing it again (so a retried or repeated call writes once). BusinessError CASE_CLOSED when the case
        refuses notes, VALIDATION_ERROR when the title or text is refused."""

        def attempt() -> JournalNote:
            existing = find_note(self._current_notes(case_number), title, text)
            if existing is not None:
                return existing
            note = {sel.NEW_NOTE_TITLE: title, sel.NEW_NOTE_TEXT: text}
            self.submit(sel.NOTE_SUBMIT, ready=sel.NOTES_TABLE, fill=note)
            written = find_note(self._notes(), title, text)
            if written is None:
                raise TransientError("the note is not on the case after saving", code="NOT_SAVED")
            return written

        return self.run("add_journal_note", attempt)
