"""Malformed robot.toml files and profiles, as an operator meets them: `rpa settings` exits 2 with one clear line.

Each case is a robot folder (and for a profile case, ``profiles/kommune.toml``) with one thing wrong. Through the
real command line the error must be exactly one line on stderr, without a traceback, and name the file and the
field so that the operator finds what to fix.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rpa_core.packaging import load_robot, resolve_settings
from rpa_core.packaging.manifest import UpstreamInfo

REPO = Path(__file__).resolve().parents[2]

ROBOT = '[robot]\nname = "demo"\nversion = "1.0.0"\n'
SETTINGS = '[settings]\nportal_url = "http://127.0.0.1:8400/portal"\ngreeting = "Hello"\nmax_items = 100\n'
SYSTEMS = '[[systems]]\nname = "portal"\nkind = "web"\nurl_setting = "portal_url"\n'
CREDENTIALS = '[[credentials]]\nname = "portal"\nkeys = ["username", "password"]\n'
STEP = '[[steps]]\nname = "producer"\ntasks = "tasks/t.robot"\noutput_queue = "demo"\n'
CONSUMER = '[[steps]]\nname = "consumer"\ntasks = "tasks/t.robot"\ninput_queue = "demo"\nworkers = 2\n'
STEPS = STEP + "\n" + CONSUMER


def manifest(
    *,
    top: str = "",
    robot: str = ROBOT,
    settings: str = SETTINGS,
    systems: str = SYSTEMS,
    credentials: str = CREDENTIALS,
    queue: str = "",
    run: str = "",
    steps: str = STEPS,
    upstream: str = "",
) -> str:
    """A robot.toml: the good one, with the parts a case gives replaced (``top``: keys before any table)."""
    parts = (top, robot, settings, systems, credentials, queue, run, steps, upstream)
    return "\n".join(part for part in parts if part)


UPSTREAM_FIELDS = {
    "source": "https://git.example.dk/skanderborg/demo.git",
    "ref": "v1.0.0",
    "version": "1.0.0",
    "revision": "0123456789abcdef0123456789abcdef01234567",
    "snapshot": "sha256:" + "ab" * 32,
    "forked_at": datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
}


def upstream_table(*, digest: bool = True, **changes: str) -> str:
    """A sealed [upstream] table as `rpa robot fork` writes it; ``changes`` are hand edits after sealing."""
    sealed = UpstreamInfo.model_construct(**UPSTREAM_FIELDS, merged_at=None, digest="").sealed_fields()
    fields = {**UPSTREAM_FIELDS, **changes}
    lines = ["[upstream]"]
    for key, value in fields.items():
        lines.append(
            f"{key} = {value.isoformat().replace('+00:00', 'Z')}" if key == "forked_at" else f'{key} = "{value}"'
        )
    if digest:
        lines.append(f'digest = "{UpstreamInfo.seal(sealed)}"')
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Case:
    id: str
    field: str | None  # the line names it first, after the file: "<file>: <field>: what is wrong"
    words: tuple[str, ...]  # and these words (what is wrong) after the file
    manifest: str = ""
    profile: str | None = None  # profiles/kommune.toml; the file the line must name when given

    def files(self) -> dict[str, str]:
        files = {"robot.toml": self.manifest or manifest()}
        if self.profile is not None:
            files["profiles/kommune.toml"] = self.profile
        return files


def case(id: str, field: str | None, *words: str, profile: str | None = None, **parts: str) -> Case:
    return Case(id=id, field=field, words=words, manifest=manifest(**parts), profile=profile)


PROFILE = '[profile]\nmunicipality = "Eksempel Kommune"\n'

CASES = [
    # wrong types
    case("robot-name-is-a-number", "robot.name", "valid string", robot="[robot]\nname = 7\n"),
    case("version-is-a-number", "robot.version", "valid string", robot='[robot]\nname = "demo"\nversion = 1.0\n'),
    case(
        "workers-is-text",
        "steps[1].workers",
        "valid integer",
        steps=STEP + CONSUMER.replace("workers = 2", 'workers = "two"'),
    ),
    case("max-attempts-zero", "queue.max_attempts", "greater than or equal to 1", queue="[queue]\nmax_attempts = 0\n"),
    case("kill-switch-negative", "run.kill_switch", "greater than or equal to 1", run="[run]\nkill_switch = -1\n"),
    case(
        "settings-is-a-list",
        "settings",
        "valid dictionary",
        top='settings = ["greeting"]',
        settings="",
        systems="",
    ),
    case("steps-is-a-table", "steps", "written [[steps]]", steps=STEP.replace("[[steps]]", "[steps]")),
    case("robot-is-not-a-table", "robot", "must be a table", top='robot = "demo"', robot=""),
    case("step-is-not-a-table", "steps[0]", "must be a table", top='steps = ["producer"]', steps=""),
    case(
        "keys-is-text",
        "credentials[0].keys",
        "valid list",
        credentials=CREDENTIALS.replace('["username", "password"]', '"username"'),
    ),
    case(
        "system-url-setting-is-not-text",
        "systems[0].url_setting",
        "portal_url",
        "must be text",
        settings=SETTINGS.replace('"http://127.0.0.1:8400/portal"', "8400"),
    ),
    # unknown fields
    case("unknown-field-in-robot", "robot.colour", "unknown field", robot=ROBOT + 'colour = "red"\n'),
    case("unknown-field-in-steps", "steps[0].colour", "unknown field", steps=STEP + 'colour = "red"\n'),
    case("unknown-field-in-systems", "systems[0].port", "unknown field", systems=SYSTEMS + "port = 8400\n"),
    case(
        "unknown-field-in-credentials", "credentials[0].user", "unknown field", credentials=CREDENTIALS + 'user = "x"\n'
    ),
    case("unknown-top-level-table", "extras", "unknown table", upstream="[extras]\nanswer = 42\n"),
    case("unknown-field-outside-any-table", "name", "outside any table", top='name = "demo"'),
    # missing required values
    case("robot-table-missing", "robot", "missing", robot=""),
    case("robot-name-missing", "robot.name", "missing", robot='[robot]\nversion = "1.0.0"\n'),
    case("steps-missing", "steps", "missing", steps=""),
    case("steps-empty", "steps", "at least 1", top="steps = []", steps=""),
    case("step-without-tasks", "steps[0].tasks", "missing", steps='[[steps]]\nname = "producer"\n'),
    case("system-without-kind", "systems[0].kind", "missing", systems=SYSTEMS.replace('kind = "web"\n', "")),
    case(
        "system-without-url-setting",
        "systems[0].url_setting",
        "missing",
        systems=SYSTEMS.replace('url_setting = "portal_url"\n', ""),
    ),
    case("credential-without-keys", "credentials[0].keys", "missing", credentials='[[credentials]]\nname = "portal"\n'),
    # values that are not allowed
    case("version-two-parts", "robot.version", "1.0", robot='[robot]\nname = "demo"\nversion = "1.0"\n'),
    case("version-with-v", "robot.version", "v1.0.0", robot='[robot]\nname = "demo"\nversion = "v1.0.0"\n'),
    case("version-four-parts", "robot.version", "1.0.0.0", robot='[robot]\nname = "demo"\nversion = "1.0.0.0"\n'),
    case("licence-misspelt", "robot.licence", "SPDX", "MTI", robot=ROBOT + 'licence = "MTI"\n'),
    case("licence-not-an-spdx-id", "robot.licence", "SPDX", "GPL", robot=ROBOT + 'licence = "GPL"\n'),
    case("licence-dangling-operator", "robot.licence", "SPDX", "AND", robot=ROBOT + 'licence = "MIT AND"\n'),
    case("robot-name-upper-case", "robot.name", "lower-case", robot='[robot]\nname = "Demo"\n'),
    case("robot-name-with-space", "robot.name", "lower-case", robot='[robot]\nname = "my robot"\n'),
    case("system-kind-desktop", "systems[0].kind", "'web' or 'api'", systems=SYSTEMS.replace('"web"', '"desktop"')),
    case(
        "system-url-setting-names-no-setting",
        "systems[0].url_setting",
        "portal_adresse",
        "not a setting",
        systems=SYSTEMS.replace('"portal_url"', '"portal_adresse"'),
    ),
    case("credential-declared-twice", "credentials", "twice", "portal", credentials=CREDENTIALS + "\n" + CREDENTIALS),
    case("system-declared-twice", "systems", "twice", "portal", systems=SYSTEMS + "\n" + SYSTEMS),
    case(
        "credential-keys-repeated",
        "credentials[0].keys",
        "repeated: username",
        credentials=CREDENTIALS.replace('"password"', '"username"'),
    ),
    case("step-names-repeated", "steps", "repeated: producer", steps=STEP + "\n" + STEP),
    case(
        "workers-without-input-queue",
        "steps[1]",
        "workers",
        "input_queue",
        steps=STEP + CONSUMER.replace('input_queue = "demo"\n', ""),
    ),
    case(
        "task-file-missing",
        "steps[0].tasks",
        "tasks/missing.robot",
        "does not exist",
        steps=STEP.replace("t.robot", "missing.robot"),
    ),
    case(
        "check-settings-not-module-function",
        "robot.check_settings",
        "module:function",
        robot=ROBOT + 'check_settings = "demo.settings.check"\n',
    ),
    case("upstream-edited-by-hand", "upstream", "edited by hand", upstream=upstream_table(version="1.1.0")),
    case("upstream-without-digest", "upstream.digest", "missing", upstream=upstream_table(digest=False)),
    Case("manifest-not-toml", None, ("not valid TOML", "line 2"), manifest='[robot]\nname = "demo\n'),
    # profiles
    case("profile-for-another-robot", "profile.robot", "'other'", profile=PROFILE + 'robot = "other"\n'),
    case(
        "profile-unknown-setting",
        "settings.greting",
        "unknown setting",
        profile=PROFILE + '[settings]\ngreting = "Hej"\n',
    ),
    case(
        "profile-value-wrong-type",
        "settings.max_items",
        "whole number",
        profile=PROFILE + '[settings]\nmax_items = "many"\n',
    ),
    case(
        "profile-value-a-date",
        "settings.greeting",
        "must be text",
        "got 2025-03-01 (a date)",
        profile=PROFILE + "[settings]\ngreeting = 2025-03-01\n",
    ),
    case("profile-unknown-table", None, "unknown table(s) extras", profile=PROFILE + "[extras]\nanswer = 42\n"),
    case("profile-settings-not-a-table", "settings", "must be a table", profile='settings = "greeting"\n' + PROFILE),
    case(
        "profile-undecided-unknown-setting",
        "undecided.mailbox",
        "unknown setting",
        profile=PROFILE + '[undecided]\nmailbox = "x@y.dk"\n',
    ),
    case("profile-not-toml", None, "not valid TOML", "line 3", profile=PROFILE + "[settings\n"),
]


def write(folder: Path, one: Case) -> Path:
    for name, text in {"tasks/t.robot": "*** Tasks ***\nT\n    No Operation\n", **one.files()}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def cli_settings(folder: Path, one: Case) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "rpa_core.cli.main", "settings", str(folder)]
    if one.profile is not None:
        args += ["--profile", "kommune"]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=folder)


@pytest.fixture(scope="module")
def cli_results(request, tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """Every selected case through `rpa settings`, the subprocesses side by side (each takes half a second)."""
    wanted = {
        item.callspec.id
        for item in request.session.items
        if item.originalname == "test_malformed_is_one_clear_line_naming_file_and_field"
    }
    root = tmp_path_factory.mktemp("malformed").resolve()
    folders = {one.id: write(root / one.id, one) for one in CASES if one.id in wanted}
    by_id = {one.id: one for one in CASES}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        runs = {name: pool.submit(cli_settings, folder, by_id[name]) for name, folder in folders.items()}
        return {name: (folders[name], run.result()) for name, run in runs.items()}


def test_at_least_34_distinct_cases():
    assert len(CASES) >= 34
    assert len({one.id for one in CASES}) == len(CASES)


@pytest.mark.parametrize("one", CASES, ids=[one.id for one in CASES])
def test_malformed_is_one_clear_line_naming_file_and_field(cli_results, one: Case):
    folder, result = cli_results[one.id]
    assert result.returncode == 2, result
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    where = folder / ("profiles/kommune.toml" if one.profile is not None else "robot.toml")
    assert line.startswith(f"rpa: error: {where}: "), line
    problem = line.removeprefix(f"rpa: error: {where}: ")
    if one.field is not None:
        assert problem.startswith(f"{one.field}: "), line
    for word in one.words:
        assert word in problem, line
    assert "<" not in line and "datetime." not in line, f"a Python repr: {line}"


FULL = """
[robot]
name = "fuld-robot"
version = "2.1.0-rc.1+build.5"
description = "A robot that uses every table of robot.toml."
owner = "Eksempel Kommune"
licence = "MIT OR EUPL-1.2"
check_settings = "fuld_check.rules:check_settings"

[[systems]]
name = "portal"
kind = "web"
url_setting = "portal_url"
description = "the self-service portal"

[[systems]]
name = "register"
kind = "api"
url_setting = "register_url"

[[credentials]]
name = "portal"
keys = ["username", "password"]
description = "the robot's login to the portal"

[[credentials]]
name = "register"
keys = ["api_key"]

[queue]
max_attempts = 5
backoff_seconds = 2.5
lease_seconds = 600

[run]
kill_switch = 10

[settings]
portal_url = "http://127.0.0.1:8400/portal"
register_url = "http://127.0.0.1:8400/register"
share = 0.1
send_mail = false
rates = { 2026 = { max = "20000" } }

[[steps]]
name = "producer"
tasks = "tasks/t.robot"
task = "T"
output_queue = "fuld"

[[steps]]
name = "consumer"
tasks = "tasks"
input_queue = "fuld"
workers = 4

"""


def test_a_manifest_using_every_field_loads(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.robot").write_text("*** Tasks ***\nT\n    No Operation\n")
    (tmp_path / "fuld_check").mkdir()
    (tmp_path / "fuld_check" / "__init__.py").write_text("")
    (tmp_path / "fuld_check" / "rules.py").write_text("def check_settings(values):\n    return []\n")
    (tmp_path / "robot.toml").write_text(FULL + upstream_table())
    robot = load_robot(tmp_path)
    m = robot.manifest
    assert (m.robot.name, m.robot.version, m.robot.owner) == ("fuld-robot", "2.1.0-rc.1+build.5", "Eksempel Kommune")
    assert [(s.name, s.kind.value) for s in m.systems] == [("portal", "web"), ("register", "api")]
    assert [c.keys for c in m.credentials] == [["username", "password"], ["api_key"]]
    assert (m.queue.max_attempts, m.queue.backoff_seconds, m.queue.lease_seconds, m.run.kill_switch) == (
        5,
        2.5,
        600,
        10,
    )
    assert [(s.name, s.workers, s.takes_work_items) for s in m.steps] == [("producer", 1, False), ("consumer", 4, True)]
    assert m.upstream is not None and m.upstream.version == "1.0.0" and m.upstream.ref == "v1.0.0"
    try:
        assert resolve_settings(robot, environ={}).values["rates"] == {"2026": {"max": "20000"}}
    finally:
        for name in [n for n in sys.modules if n.startswith("fuld_check")]:
            del sys.modules[name]


@pytest.mark.parametrize("folder", ["robots/flexloen", "examples/hello"])
def test_the_shipped_robots_load(folder):
    robot = load_robot(REPO / folder)
    assert robot.manifest.steps
    for profile in (robot.directory / "profiles").glob("*.toml"):
        resolve_settings(robot, profile=profile.stem, environ={}, check=False)
