"""``rpa docs keywords --out DIR``: libdoc HTML of every keyword library and shared resource file, and an index."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from robot.libdocpkg import LibraryDocumentation

from rpa_core.keywords import LIBRARIES

SHARED = Path(__file__).resolve().parents[2] / "shared_keywords"


def rpa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rpa_core.cli.main", *args], capture_output=True, text=True, timeout=120
    )


def libdoc_model(page: Path) -> dict:
    """The keyword model libdoc embeds in its HTML page."""
    found = re.search(r"libdoc = (\{.*\})\n</script>", page.read_text(encoding="utf-8"))
    assert found, f"no libdoc model in {page}"
    return json.loads(found.group(1))


def expected_pages() -> dict[str, str]:
    """Output file name -> what libdoc documents in it."""
    pages = {f"{name}.html": name for name in LIBRARIES}
    for resource in sorted(SHARED.rglob("*.resource")) if SHARED.is_dir() else []:
        relative = resource.relative_to(SHARED).with_suffix("").as_posix().replace("/", ".")
        pages[f"shared_keywords.{relative}.html"] = str(resource)
    return pages


def test_writes_every_library_and_resource_with_every_keyword_and_its_doc(tmp_path):
    out = tmp_path / "docs" / "keywords"
    result = rpa("docs", "keywords", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    pages = expected_pages()
    assert "rpa_core.keywords.browser.BrowserKeywords.html" in pages
    assert {p.name for p in out.iterdir()} == {*pages, "index.html"}
    index = (out / "index.html").read_text(encoding="utf-8")
    for page, source in pages.items():
        assert f"Wrote {out / page}" in result.stdout
        assert f'href="{page}"' in index
        documented = LibraryDocumentation(source)
        assert documented.keywords, f"{source} has no keywords"
        model = {kw["name"]: kw for kw in libdoc_model(out / page)["keywords"]}
        for keyword in documented.keywords:
            assert keyword.name in model, f"{keyword.name} missing from {page}"
            assert model[keyword.name]["doc"].strip(), f"{keyword.name} has no documentation in {page}"
            assert model[keyword.name]["shortdoc"] == keyword.short_doc
            assert keyword.name in index
    assert f"Wrote {out / 'index.html'}" in result.stdout


def test_browser_keywords_page_renders_the_docs_as_html(tmp_path):
    rpa("docs", "keywords", "--out", str(tmp_path))
    model = libdoc_model(tmp_path / "rpa_core.keywords.browser.BrowserKeywords.html")
    keywords = {kw["name"]: kw for kw in model["keywords"]}
    assert set(keywords) == {
        "Open Browser Session",
        "Close Browser Session",
        "Capture Failure Artifacts",
        "Get Page For System",
    }
    assert 'literal">RPA_HEADED=1</tt>' in model["doc"], "reST is rendered, not shown raw"
    assert "Open Browser Session    headless=False" in keywords["Open Browser Session"]["doc"]


def test_missing_or_empty_resource_folders_are_fine(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    result = rpa("docs", "keywords", "--out", str(out), "--resources", str(empty), "--resources", str(tmp_path / "x"))
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == {f"{name}.html" for name in LIBRARIES} | {"index.html"}


def test_a_library_that_cannot_be_imported_is_named_and_exit_code_is_1(tmp_path):
    result = rpa("docs", "keywords", "--out", str(tmp_path), "--library", "no_such_module.Keywords")
    assert result.returncode == 1
    assert "FAILED no_such_module.Keywords" in result.stderr
    assert (tmp_path / "index.html").is_file(), "the others are still written"


def test_bad_out_is_one_clear_line_and_exit_code_2(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for out, words in ((a_file, "is a file, not a folder"), (a_file / "sub", "cannot create the folder")):
        result = rpa("docs", "keywords", "--out", str(out))
        assert result.returncode == 2
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "--out" in lines[0] and words in lines[0], result.stderr
        assert "Traceback" not in result.stderr


def test_help_has_an_example():
    result = rpa("docs", "keywords", "--help")
    assert result.returncode == 0
    assert "rpa docs keywords --out" in result.stdout


def test_the_registry_names_every_keyword_library_in_the_package():
    import importlib
    import inspect
    import pkgutil

    import rpa_core.keywords

    found = set()
    for module_info in pkgutil.iter_modules(rpa_core.keywords.__path__):
        module = importlib.import_module(f"rpa_core.keywords.{module_info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and hasattr(cls, "ROBOT_LIBRARY_SCOPE"):
                found.add(f"{module.__name__}.{name}")
    assert found == set(LIBRARIES), "append new keyword libraries to rpa_core.keywords.LIBRARIES"
