"""``rpa robot fork``: the fleksløn robot forked from its folder and from a git repository, with its new profile."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import copy_flexloen, git

from rpa_core.errors import ConfigError
from rpa_core.packaging import load_robot, resolve_settings
from rpa_core.packaging.fork import fork, municipality_slug, names_municipality
from rpa_core.packaging.profile import read_profile
from rpa_core.packaging.snapshot import digest, read_base, read_files
from rpa_core.packaging.toml_text import join_upstream, split_upstream, toml_value, upstream_block

ROOT = Path(__file__).resolve().parents[2]
FLEXLOEN = ROOT / "robots" / "flexloen"
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=ZoneInfo("Europe/Copenhagen"))
UNDECIDED = {"ydelse_url", "indkomst_url", "esdh_url", "mailbox", "report_folder", "unit", "grant_type"}
SYDDJURS = {
    "ydelse_url": "https://ydelse.syddjurs.example",
    "indkomst_url": "https://indkomst.syddjurs.example",
    "esdh_url": "https://esdh.syddjurs.example",
    "mailbox": "jobcenter@syddjurs.example",
    "report_folder": "reports/syddjurs",
    "unit": "FLEKSJOB",
    "grant_type": "FLT",
}


def make_repo(folder: Path) -> tuple[Path, str, str]:
    """A repository of the fleksløn robot: v0.1.0 (tagged), then a commit that makes it 0.2.0."""
    copy_flexloen(folder)
    git(folder, "init", "--quiet")
    git(folder, "add", "-A")
    git(folder, "commit", "--quiet", "-m", "fleksløn 0.1.0")
    git(folder, "tag", "v0.1.0")
    first = git(folder, "rev-parse", "HEAD")
    manifest = folder / "robot.toml"
    manifest.write_text(manifest.read_text().replace('version = "0.1.0"', 'version = "0.2.0"'))
    git(folder, "commit", "--quiet", "-am", "fleksløn 0.2.0")
    return folder, first, git(folder, "rev-parse", "HEAD")


def test_fork_from_a_folder_copies_the_robot_keeps_its_snapshot_and_seals_upstream(tmp_path):
    dest = tmp_path / "syddjurs"
    made = fork(str(FLEXLOEN), dest, "Syddjurs Kommune", now=NOW)
    source = read_files(FLEXLOEN)
    fork_files = read_files(dest)
    assert sorted(fork_files) == sorted(source) == made.files
    assert all(fork_files[name] == data for name, data in source.items() if name != "robot.toml")
    assert not (dest / "profiles" / "skanderborg.toml").exists()
    assert sorted(p.name for p in (dest / "profiles").iterdir()) == ["syddjurs.toml"]
    # robot.toml: every byte of the source's, then the [upstream] table
    text = (dest / "robot.toml").read_text()
    assert text.startswith((FLEXLOEN / "robot.toml").read_text())
    assert split_upstream(text)[0] == (FLEXLOEN / "robot.toml").read_text()
    info = load_robot(dest).manifest.upstream
    assert info is not None
    # absolute, or relative to the fork when the two share a parent folder (e.g. both under /tmp)
    assert (dest / info.source).resolve() == FLEXLOEN.resolve()
    assert (info.ref, info.version, info.revision) == ("", "0.1.0", "folder")
    assert info.forked_at == NOW and info.forked_at.utcoffset() is not None and info.merged_at is None
    # the merge base: a byte copy, robot.toml there without [upstream]
    assert read_base(dest) == source
    assert info.snapshot == digest(source)
    assert "never edit it by hand" in (dest / ".upstream" / "README").read_text()
    assert made.next_command == f"rpa robot check {dest} --profile syddjurs"


def test_tool_caches_are_not_robot_files(tmp_path):
    source = copy_flexloen(tmp_path / "skanderborg")
    for cache in (".robocop_cache", "tasks/.mypy_cache", ".pytest_cache"):
        (source / cache).mkdir(parents=True, exist_ok=True)
        (source / cache / "state.bin").write_bytes(b"\x00tool state")
    (source / ".gitignore").write_text("reports/\n", encoding="utf-8")
    fork(str(source), tmp_path / "syddjurs", municipality="Syddjurs Kommune")
    copied = {path.relative_to(tmp_path / "syddjurs").as_posix() for path in (tmp_path / "syddjurs").rglob("*")}
    assert not any("_cache" in path for path in copied)
    assert ".gitignore" in copied, "a robot's own dotfiles are its files"


def test_the_new_profile_leaves_the_source_municipalitys_values_undecided(tmp_path):
    dest = tmp_path / "syddjurs"
    fork(str(FLEXLOEN), dest, "Syddjurs Kommune")
    path = dest / "profiles" / "syddjurs.toml"
    tables = read_profile(path)
    assert tables["profile"] == {
        "municipality": "Syddjurs Kommune",
        "robot": "flexloen",
        "forked_from": "Skanderborg Kommune",
    }
    assert set(tables["undecided"]) == UNDECIDED
    assert tables["undecided"]["mailbox"] == "fleksjob-team@skanderborg.example"
    assert tables["settings"] == {"change_threshold": "0.25", "spot_check_share": 0.1}
    assert "# Skanderborg Kommune's value: set yours under [settings]" in path.read_text()
    assert "from profiles/skanderborg.toml" in path.read_text()

    robot = load_robot(dest)
    with pytest.raises(ConfigError) as refused:
        resolve_settings(robot, profile="syddjurs", check=True)
    assert "7 setting(s) not decided yet" in str(refused.value)
    for name in UNDECIDED:
        assert f"settings.{name}: not decided yet" in str(refused.value)

    lines = [f"{name} = {toml_value(value)}" for name, value in SYDDJURS.items()]
    path.write_text(path.read_text().replace("[settings]\n", "[settings]\n" + "\n".join(lines) + "\n", 1))
    decided = resolve_settings(robot, profile="syddjurs", check=True)
    assert decided.undecided == {}
    assert decided.values["mailbox"] == "jobcenter@syddjurs.example"
    assert decided.values["spot_check_share"] == 0.1


def test_fork_from_a_git_repository_at_a_tag_a_commit_and_its_default_branch(tmp_path, monkeypatch):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    repo, first, second = make_repo(tmp_path / "upstream")
    (repo / "tasks" / "consumer.robot").write_text("uncommitted: not part of any fork\n")
    for ref, revision, version in (("v0.1.0", first, "0.1.0"), (first, first, "0.1.0"), ("", second, "0.2.0")):
        dest = tmp_path / f"fork-{ref or 'head'}"
        made = fork(f"{repo}@{ref}" if ref else str(repo), dest, "Syddjurs Kommune")
        info = load_robot(dest).manifest.upstream
        assert (info.source, info.ref, info.revision, info.version) == ("../upstream", ref, revision, version)
        assert made.revision == revision
        assert (dest / "tasks" / "consumer.robot").read_bytes() == (FLEXLOEN / "tasks" / "consumer.robot").read_bytes()
        assert set(read_profile(dest / "profiles" / "syddjurs.toml")["undecided"]) == UNDECIDED
        assert not (dest / ".git").exists()
    assert list(temporary.iterdir()) == [], "the temporary clone is removed"


def test_fork_of_a_robot_in_a_subfolder_of_a_repository(tmp_path):
    repo = tmp_path / "robots-repo"
    copy_flexloen(repo / "robots" / "flexloen")
    (repo / "README.md").write_text("many robots\n")
    git(repo, "init", "--quiet")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "robots")
    dest = tmp_path / "fork"
    fork(str(repo), dest, "Syddjurs Kommune", subdir="robots/flexloen")
    info = load_robot(dest).manifest.upstream
    assert info.source == "../robots-repo#subdir=robots/flexloen"
    assert sorted(read_files(dest)) == sorted(read_files(FLEXLOEN))

    from rpa_core.packaging.upstream import status

    state = status(dest)
    assert state.fork.paths == [] and state.upstream.paths == []

    with pytest.raises(ConfigError, match="--subdir 'robots/nope' is not a folder"):
        fork(str(repo), tmp_path / "other", "Syddjurs Kommune", subdir="robots/nope")
    with pytest.raises(ConfigError, match=r"has no robot\.toml"):
        fork(str(repo), tmp_path / "other", "Syddjurs Kommune")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda tmp: (tmp / "robot.toml").write_text("x") and str(tmp / "robot.toml"), ["is a file", "robot folder"]),
        (lambda tmp: (tmp / "empty").mkdir() or str(tmp / "empty"), ["folder without robot.toml", "URL[@ref]"]),
        (lambda tmp: str(tmp / "nowhere"), ["does not exist"]),
        (lambda tmp: (tmp / "plain").mkdir() or f"{tmp / 'plain'}@main", ["git cannot read it", "URL[@ref]"]),
        (lambda tmp: f"file://{tmp}/missing.git", ["git cannot read it"]),
        (lambda tmp: f"{make_repo(tmp / 'repo')[0]}@v9.9.9", ["unknown ref 'v9.9.9'", "branch, a tag or a commit"]),
    ],
)
def test_a_source_that_is_not_a_robot_is_one_clear_error_naming_it(tmp_path, make, words):
    source = make(tmp_path)
    with pytest.raises(ConfigError) as refused:
        fork(source, tmp_path / "fork", "Syddjurs Kommune")
    message = str(refused.value)
    assert "\n" not in message and f"SOURCE '{source}'" in message
    for word in words:
        assert word in message
    assert not (tmp_path / "fork").exists()


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Syddjurs Kommune", "syddjurs"),
        ("Ærø Kommune", "aeroe"),
        ("Lyngby-Taarbæk Kommune", "lyngby-taarbaek"),
        ("Høje-Taastrup Kommune", "hoeje-taastrup"),
        ("Københavns Kommune", "koebenhavns"),
        ("Aabenraa", "aabenraa"),
    ],
)
def test_municipality_slug(name, slug):
    assert municipality_slug(name) == slug


def test_a_municipality_name_without_letters_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="--municipality"):
        fork(str(FLEXLOEN), tmp_path / "fork", "??? Kommune")
    assert not (tmp_path / "fork").exists()


def test_what_names_the_source_municipality():
    manifest = load_robot(FLEXLOEN).manifest.model_copy(
        update={"robot": load_robot(FLEXLOEN).manifest.robot.model_copy(update={"owner": "Ærø Kommune"})}
    )
    assert names_municipality("ydelse_url", "http://x", manifest, set_by_profile=False)  # a system's address
    assert names_municipality("report_folder", "reports/aeroe", manifest, set_by_profile=False)
    assert names_municipality("report_folder", r"\\ÆRØ\reports", manifest, set_by_profile=False)
    assert names_municipality("mailbox", "team@x.example", manifest, set_by_profile=True)
    assert names_municipality("unit", "FLEKS_2", manifest, set_by_profile=True)
    assert not names_municipality("mail_sender", "robot@localhost", manifest, set_by_profile=False)  # a default
    assert not names_municipality("change_threshold", "0.25", manifest, set_by_profile=True)
    assert not names_municipality("indkomst_mode", "api", manifest, set_by_profile=True)
    assert not names_municipality("spot_check_share", 0.1, manifest, set_by_profile=True)
    assert not names_municipality("unit", "2024", manifest, set_by_profile=True)


OFFSETS = [UTC, timezone(timedelta(hours=2)), timezone(timedelta(minutes=50, seconds=20))]
toml_values = st.recursive(
    st.text()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.datetimes(timezones=st.none() | st.sampled_from(OFFSETS))
    | st.dates()
    | st.times(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(toml_values)
def test_every_value_written_reads_back_equal_through_tomllib(value):
    assert tomllib.loads(f"x = {toml_value(value)}\n")["x"] == value


def test_the_upstream_table_is_cut_out_and_appended_keeping_every_other_byte():
    block = upstream_block(
        {"source": "a", "ref": "", "version": "1.0.0", "revision": "folder", "snapshot": "s", "forked_at": NOW}
    )
    text = '# a robot\n[robot]\nname = "x"  # id\n\n[[steps]]\nname = "a"\ntasks = "t"\n'
    joined = join_upstream(text, block)
    assert joined.startswith(text) and split_upstream(joined) == (text, block)
    middle = text.replace("[[steps]]", block + "\n[[steps]]")
    assert split_upstream(middle) == (text, block + "\n")
    assert split_upstream(text) == (text, None)


def test_cli_fork_prints_what_it_did_and_the_next_command(tmp_path):
    dest = tmp_path / "syddjurs"
    result = subprocess.run(
        [sys.executable, "-m", "rpa_core.cli.main", "robot", "fork", "robots/flexloen", str(dest), "-m", "Syddjurs"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "17 files copied" in result.stdout and "    tasks/consumer.robot" in result.stdout
    assert f"profile {dest / 'profiles' / 'syddjurs.toml'} for Syddjurs" in result.stdout
    assert "7 undecided setting(s)" in result.stdout and "    mailbox  (the source's value:" in result.stdout
    assert result.stdout.strip().endswith(f"Next: rpa robot check {dest} --profile syddjurs")
    again = subprocess.run(
        [sys.executable, "-m", "rpa_core.cli.main", "robot", "fork", "robots/flexloen", str(dest), "-m", "Syddjurs"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert again.stderr.strip().splitlines() == [
        f"rpa: error: DEST '{dest}' exists and is not empty; give a new folder for the fork"
    ]


def test_a_fork_of_a_fork_gets_one_upstream_table_and_the_forks_municipality_undecided(tmp_path):
    syddjurs = tmp_path / "syddjurs"
    fork(str(FLEXLOEN), syddjurs, "Syddjurs Kommune")
    path = syddjurs / "profiles" / "syddjurs.toml"
    lines = [f"{name} = {toml_value(value)}" for name, value in SYDDJURS.items()]
    path.write_text(path.read_text().replace("[settings]\n", "[settings]\n" + "\n".join(lines) + "\n", 1))

    aarhus = tmp_path / "aarhus"
    fork(str(syddjurs), aarhus, "Aarhus Kommune")
    text = (aarhus / "robot.toml").read_text()
    assert text.count("[upstream]") == 1
    assert load_robot(aarhus).manifest.upstream.source == "../syddjurs"
    assert "[upstream]" not in (aarhus / ".upstream" / "robot.toml").read_text()
    tables = read_profile(aarhus / "profiles" / "aarhus.toml")
    assert tables["profile"]["forked_from"] == "Syddjurs Kommune"
    assert set(tables["undecided"]) == UNDECIDED
    assert tables["undecided"]["report_folder"] == "reports/syddjurs"
    assert tables["settings"] == {"change_threshold": "0.25", "spot_check_share": 0.1}
