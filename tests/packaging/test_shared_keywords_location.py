"""The runner finds the shared keywords in a source checkout and where a wheel installs them."""

from __future__ import annotations

import tomllib
from pathlib import Path

from rpa_core import paths


def test_source_checkout_holds_the_shared_keywords():
    assert paths.SHARED_KEYWORDS_DIR == paths.PROJECT_ROOT / "shared_keywords"
    assert {p.name for p in paths.SHARED_KEYWORDS_DIR.glob("*.resource")} >= {"ydelsessystem.resource", "esdh.resource"}


def test_an_installed_wheel_is_found_under_the_prefix(tmp_path, monkeypatch):
    installed = tmp_path / "venv" / "share" / "rpa-core" / "shared_keywords"
    installed.mkdir(parents=True)
    (installed / "esdh.resource").write_text("*** Keywords ***\n", encoding="utf-8")
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path / "site-packages")  # no checkout beside the package
    monkeypatch.setattr(paths.sysconfig, "get_path", lambda name: str(tmp_path / "venv"))
    assert paths.find_shared_keywords_dir() == installed


def test_nothing_found_names_the_checkout_path(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path / "site-packages")
    monkeypatch.setattr(paths.sysconfig, "get_path", lambda name: str(tmp_path / "empty"))
    monkeypatch.setattr(paths.sys, "prefix", str(tmp_path / "empty"))
    monkeypatch.setattr(paths.site, "getuserbase", lambda: str(tmp_path / "empty"))
    assert paths.find_shared_keywords_dir() == tmp_path / "site-packages" / "shared_keywords"


def test_the_wheel_installs_every_shared_resource_where_paths_looks():
    project = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data_files = project["tool"]["setuptools"]["data-files"]
    target = Path("share") / "rpa-core" / "shared_keywords"
    assert data_files[target.as_posix()] == ["shared_keywords/*.resource"]
    assert target == paths._INSTALLED
