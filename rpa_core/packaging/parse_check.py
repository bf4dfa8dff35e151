"""Robot Framework files that do not parse, found before any step starts (and before any item is charged).

An unterminated IF or FOR, an unknown setting, a misspelt section: Robot Framework reports these only when the
task runs, by failing it; in a consumer that is one application error per work item until the kill switch
stops the run. This check reads every task file of the robot's steps and its local override files with Robot
Framework's own parser and lists each error with its file and line.
"""

from __future__ import annotations

from pathlib import Path

from rpa_core.packaging.manifest import Robot
from rpa_core.packaging.overrides import LOCAL_DIR, LOCAL_RESOURCE
from rpa_core.paths import display_path

ROBOT_SUFFIXES = (".robot", ".resource")


def task_files(robot: Robot) -> list[Path]:
    """Every Robot Framework file the steps run (a step's ``tasks`` may be a file or a folder)."""
    files: list[Path] = []
    for step in robot.robot_steps():
        path = robot.directory / step.tasks
        # as Robot Framework, skip files and folders whose name starts with '.' or '_' (.upstream/, .venv/)
        found = (
            sorted(p for p in path.rglob("*.robot") if not any(n[0] in "._" for n in p.relative_to(path).parts))
            if path.is_dir()
            else [path]
        )
        files += [p for p in found if p not in files]
    return files


def file_problems(path: Path) -> list[str]:
    """Parse errors of one file as ``file:line: message``."""
    from robot.api import get_model, get_resource_model
    from robot.api.parsing import ModelVisitor

    problems: list[str] = []
    shown = display_path(path)

    class _Errors(ModelVisitor):
        def generic_visit(self, node) -> None:
            for error in getattr(node, "errors", ()) or ():
                problems.append(f"{shown}:{getattr(node, 'lineno', '?')}: {error}")
            super().generic_visit(node)

    try:
        model = get_resource_model(path) if path.suffix == ".resource" else get_model(path)
    except Exception as exc:  # unreadable file: name it rather than fail the check
        return [f"{shown}: cannot be read: {exc}"]
    _Errors().visit(model)
    return problems


def own_resource_files(robot: Robot) -> list[Path]:
    """The robot's own ``*.resource`` files, not those of its snapshot (``.upstream/``) or other hidden folders."""
    return sorted(
        path
        for path in robot.directory.rglob("*.resource")
        if not any(part.startswith(".") for part in path.relative_to(robot.directory).parts)
    )


def parse_problems(robot: Robot) -> list[str]:
    """Every parse error in the robot's task files, its own resource files and its local overrides."""
    files = task_files(robot)
    files += [p for p in own_resource_files(robot) if p not in files]
    local = robot.directory / LOCAL_DIR / LOCAL_RESOURCE
    if local.is_file() and local not in files:
        files.append(local)
    return [problem for path in files for problem in file_problems(path)]


# Libraries that need Robocorp's Control Room, and what they are there.
CONTROL_ROOM_LIBRARIES = {
    "RPA.Robocorp.Process": "Control Room's process API (start processes, list runs)",
    "RPA.Robocorp.Storage": "Control Room's asset storage",
    "robocorp.storage": "Control Room's asset storage",
}


def _control_room_text(library: str) -> str:
    return (
        f"{library} is Robocorp {CONTROL_ROOM_LIBRARIES[library]}, which rpa does not have: chain the steps in "
        "robot.yaml or robot.toml, start another robot with `rpa run`, keep shared files in a settings folder"
    )


def control_room_problems(robot: Robot, python_files: list[Path]) -> list[str]:
    """Imports of libraries that need Control Room (``RPA.Robocorp.Process``, asset storage) in the robot's Robot
    Framework files and Python task files, as ``file:line: why``: found before a run, not as a connection error."""
    import ast

    from robot.api import get_model, get_resource_model
    from robot.api.parsing import LibraryImport, ModelVisitor

    problems: list[str] = []

    class _Imports(ModelVisitor):
        def __init__(self, path: Path) -> None:
            self.path = path

        def visit_LibraryImport(self, node: LibraryImport) -> None:
            if node.name in CONTROL_ROOM_LIBRARIES:
                problems.append(f"{display_path(self.path)}:{node.lineno}: {_control_room_text(node.name)}")

    for path in [*task_files(robot), *own_resource_files(robot)]:
        if path.is_file():
            try:
                _Imports(path).visit(get_resource_model(path) if path.suffix == ".resource" else get_model(path))
            except Exception:  # unreadable: file_problems names it
                continue
    for path in python_files:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):  # python_task_problems names it
            continue
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(f"{node.module}.{a.name}" for a in node.names)]
            for library in dict.fromkeys(name for name in names if name in CONTROL_ROOM_LIBRARIES):
                problems.append(f"{display_path(path)}:{node.lineno}: {_control_room_text(library)}")
    return problems
