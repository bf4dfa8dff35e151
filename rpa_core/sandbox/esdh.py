"""ESDH (stands in for SBSYS / Acadre): find the citizen's case, read it, journalise notes. Page and JSON API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from rpa_core.sandbox.auth import Session, require_api_key, require_session
from rpa_core.sandbox.state import SandboxError, SandboxState, parse_cpr
from rpa_core.sandbox.web import login_router, render

SYSTEM = "esdh"
MAX_TITLE, MAX_TEXT = 200, 20_000
pages = APIRouter(prefix=f"/{SYSTEM}", include_in_schema=False)
pages.include_router(login_router(SYSTEM))
api = APIRouter(prefix=f"/{SYSTEM}/api/v1", tags=["ESDH"], dependencies=[Depends(require_api_key)])
logged_in = Depends(require_session(SYSTEM))


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def check_note(title: str, text: str) -> list[str]:
    """The problems with a note (empty list when it can be journalised)."""
    errors = []
    if not title.strip():
        errors.append("Titel skal udfyldes.")
    elif len(title) > MAX_TITLE:
        errors.append(f"Titlen må højst være {MAX_TITLE} tegn.")
    if not text.strip():
        errors.append("Tekst skal udfyldes.")
    elif len(text) > MAX_TEXT:
        errors.append(f"Teksten må højst være {MAX_TEXT} tegn.")
    return errors


@pages.get("/")
def home() -> Response:
    return RedirectResponse(f"/{SYSTEM}/soeg", status_code=303)


@pages.get("/soeg", response_class=HTMLResponse)
def search_page(request: Request, session: Session = logged_in) -> Response:
    return render(request, "esdh/search.html", {"system": SYSTEM, "session": session, "cases": None})


@pages.post("/soeg", response_class=HTMLResponse)
async def search(request: Request, session: Session = logged_in) -> Response:
    """The citizen's cases (CPR in the form body)."""
    form = await request.form()
    try:
        cpr = parse_cpr(str(form.get("cpr", "")))
    except SandboxError as exc:
        context = {"system": SYSTEM, "session": session, "cases": None, "errors": [exc.message]}
        return render(request, "esdh/search.html", context, status_code=422)
    cases = _state(request).cases_for(cpr)
    return render(request, "esdh/search.html", {"system": SYSTEM, "session": session, "cases": cases})


def _case_page(request: Request, session: Session, case_number: str, values=None, errors=None) -> Response:
    state = _state(request)
    context = {
        "system": SYSTEM, "session": session, "case": state.case(case_number),
        "notes": state.notes_for(case_number), "values": values or {}, "errors": errors or [],
        "max_title": MAX_TITLE,
    }  # fmt: skip
    return render(request, "esdh/case.html", context, status_code=422 if errors else 200)


@pages.get("/sager/{case_number}", response_class=HTMLResponse)
def case_page(request: Request, case_number: str, session: Session = logged_in) -> Response:
    """A case with its journal notes and the form for a new note."""
    return _case_page(request, session, case_number)


@pages.post("/sager/{case_number}/notater")
async def add_note(request: Request, case_number: str, session: Session = logged_in) -> Response:
    """Journalise a note (title and text required)."""
    state = _state(request)
    state.case(case_number)
    form = await request.form()
    title, text = str(form.get("title", "")), str(form.get("text", ""))
    errors = check_note(title, text)
    if errors:
        return _case_page(request, session, case_number, {"title": title, "text": text}, errors)
    state.add_note(case_number, title.strip(), text.strip(), session.user)
    return RedirectResponse(f"/{SYSTEM}/sager/{case_number}?besked=journaliseret", status_code=303)


class CaseSearch(BaseModel):
    cpr: str = Field(description="CPR number, ddmmyy-ssss", examples=["010180-1235"])


class CaseOut(BaseModel):
    case_number: str
    cpr: str
    title: str
    kind: str = Field(description="FLEKSJOB or SYGEDAGPENGE")
    status: str = Field(description="Åben or Afsluttet")
    opened: str
    caseworker: str


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class NoteOut(BaseModel):
    note_id: int
    case_number: str
    title: str
    text: str
    author: str
    created_at: str


class CasesAnswer(BaseModel):
    cases: list[CaseOut]


class NotesAnswer(BaseModel):
    notes: list[NoteOut]


@api.post("/sager/soeg", response_model=CasesAnswer, summary="The citizen's cases")
def search_api(query: CaseSearch, request: Request) -> dict[str, Any]:
    """All cases of the citizen (CPR in the body)."""
    return {"cases": [c.to_json() for c in _state(request).cases_for(parse_cpr(query.cpr))]}


@api.get("/sager/{case_number}", response_model=CaseOut, summary="One case")
def case_api(case_number: str, request: Request) -> dict[str, Any]:
    return _state(request).case(case_number).to_json()


@api.get("/sager/{case_number}/notater", response_model=NotesAnswer, summary="The case's journal notes")
def notes_api(case_number: str, request: Request) -> dict[str, Any]:
    return {"notes": [n.to_json() for n in _state(request).notes_for(case_number)]}


@api.post("/sager/{case_number}/notater", response_model=NoteOut, status_code=201, summary="Journalise a note")
def add_note_api(case_number: str, note: NoteIn, request: Request) -> Any:
    """Add a journal note to an open case; 409 on a closed case, 422 on an empty title or text."""
    errors = check_note(note.title, note.text)
    if errors:
        raise SandboxError(422, "VALIDATION_ERROR", " ".join(errors))
    created = _state(request).add_note(case_number, note.title.strip(), note.text.strip(), "api")
    return JSONResponse(created.to_json(), status_code=201)
