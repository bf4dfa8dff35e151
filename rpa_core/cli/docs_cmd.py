"""``rpa docs``: reference documentation for robot developers (libdoc HTML of our keywords)."""

from __future__ import annotations

import contextlib
import html
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from rpa_core.cli.common import HELP_OPTIONS
from rpa_core.errors import UserError
from rpa_core.paths import SHARED_KEYWORDS_DIR

app = typer.Typer(help="Documentation for robot developers.", no_args_is_help=True, context_settings=HELP_OPTIONS)


@dataclass
class Documented:
    """One library or resource file written as libdoc HTML."""

    name: str
    kind: str  # "library" or "resource"
    file: str
    doc: str
    keywords: list[tuple[str, str]] = field(default_factory=list)  # (name, short doc)


def _prepare_out(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot create the folder ({exc.strerror or exc})") from None
    if not os.access(out, os.W_OK):
        raise UserError(f"--out {out}: the folder is not writable")
    return out


def _resource_files(folders: list[Path]) -> list[tuple[Path, str]]:
    """Every ``*.resource`` under the folders (missing folders have none), with its output file name."""
    found = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.resource")):
            relative = path.relative_to(folder).with_suffix("").as_posix().replace("/", ".")
            found.append((path, f"{folder.name}.{relative}.html"))
    return found


def _write_libdoc(source: str, out: Path, file_name: str, kind: str) -> Documented:
    from robot.libdocpkg import LibraryDocumentation

    doc = LibraryDocumentation(source)
    keywords = [(kw.name, kw.short_doc) for kw in doc.keywords]
    summary = doc.doc.strip().splitlines()[0] if doc.doc.strip() else ""
    # Robot Framework's own type docs (e.g. for list) are in its own syntax; in a reST library docutils warns
    # about them on stderr. The warnings say nothing about our documentation, so they are dropped.
    with contextlib.redirect_stderr(io.StringIO()):
        doc.convert_docs_to_html()
    doc.save(str(out / file_name), "HTML")
    return Documented(doc.name, kind, file_name, summary, keywords)


def _index(documented: list[Documented]) -> str:
    sections = []
    for item in documented:
        rows = "\n".join(
            f'    <li><a href="{html.escape(item.file)}#{html.escape(name)}">{html.escape(name)}</a>'
            f" &ndash; {html.escape(short.replace('``', ''))}</li>"
            for name, short in item.keywords
        )
        sections.append(
            f'<h2><a href="{html.escape(item.file)}">{html.escape(item.name)}</a> <small>({item.kind}, '
            f"{len(item.keywords)} keywords)</small></h2>\n<p>{html.escape(item.doc)}</p>\n<ul>\n{rows}\n</ul>"
        )
    body = "\n".join(sections) or "<p>No keyword libraries or resource files were found.</p>"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Keywords</title>\n'
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}small{color:#666}</style></head>\n"
        f"<body>\n<h1>Keywords for robot developers</h1>\n{body}\n</body>\n</html>\n"
    )


@app.command("keywords")
def keywords(
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder to write the HTML files into (created if missing).")
    ],
    resources: Annotated[
        list[Path] | None,
        typer.Option(
            "--resources", metavar="DIR", help="Folder of *.resource files (repeatable). Default: shared_keywords/."
        ),
    ] = None,
    library: Annotated[
        list[str] | None,
        typer.Option(
            "--library", metavar="NAME", help="Another library to document, e.g. flexloen.keywords.FlexloenKeywords."
        ),
    ] = None,
) -> None:
    """Write the libdoc HTML of every keyword library and shared resource file into DIR, plus index.html.

    Example: rpa docs keywords --out docs/keywords
    """
    from robot.errors import DataError

    from rpa_core.keywords import LIBRARIES

    target = _prepare_out(out)
    sources = [(name, f"{name}.html", "library") for name in [*LIBRARIES, *(library or [])]]
    sources += [(str(path), name, "resource") for path, name in _resource_files(resources or [SHARED_KEYWORDS_DIR])]
    documented, failed = [], []
    for source, file_name, kind in sources:
        try:
            item = _write_libdoc(source, target, file_name, kind)
        except DataError as exc:
            failed.append(source)
            typer.echo(f"FAILED {source}: {str(exc).splitlines()[0]}", err=True)
            continue
        documented.append(item)
        typer.echo(f"Wrote {target / file_name}: {item.name} ({len(item.keywords)} keywords)")
    (target / "index.html").write_text(_index(documented), encoding="utf-8")
    total = sum(len(item.keywords) for item in documented)
    typer.echo(f"Wrote {target / 'index.html'}: {len(documented)} libraries and resource files, {total} keywords")
    if failed:
        raise typer.Exit(1)
