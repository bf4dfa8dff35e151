"""``rpa robot``: make, check and fork robots, and merge a fork's upstream."""

from __future__ import annotations

from typing import Annotated

import typer

from rpa_core.cli.common import HELP_OPTIONS
from rpa_core.cli.output import JsonOption, emit_json
from rpa_core.cli.work_cmd import Profile, RobotDir, SetOption

app = typer.Typer(
    help=(
        "Make, check and fork robots; pull a fork's upstream fixes.\n\n"
        "Example: rpa robot check robots/flexloen --profile skanderborg --no-vault"
    ),
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
)
upstream_app = typer.Typer(
    help=(
        "A fork and the robot it came from: what each side changed, and a three-way merge.\n\n"
        "Example: rpa robot upstream status examples/flexloen/syddjurs"
    ),
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
)
app.add_typer(upstream_app, name="upstream")


def check(
    robot_dir: RobotDir,
    profile: Profile = None,
    set_: SetOption = None,
    no_vault: Annotated[
        bool, typer.Option("--no-vault", help="Do not look up the declared credentials in the vault.")
    ] = False,
    production: Annotated[
        bool,
        typer.Option(
            "--production",
            envvar="RPA_PRODUCTION",
            help="Production mode (or RPA_PRODUCTION=1): warn for each credential not in the encrypted vault.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check a robot before it runs: manifest, profile, task files, keywords, systems, credentials, overrides.

    Every problem is one line on stderr naming the file and line or field and what is allowed.

    Exit code 2 when there is any, else 0 with a one-line summary. Overrides in local/ are listed with what each
    replaces, and a warning where their arguments differ.

    --json: {"ok", "problems": [...], "warnings": [...], "overrides": [...], ...}, the same exit codes; see README.md.

    Example: rpa robot check robots/flexloen --profile skanderborg --no-vault
    """
    from rpa_core.cli.common import plain_console
    from rpa_core.packaging import load_robot, resolve_settings
    from rpa_core.runner.preflight import check_robot

    robot = load_robot(robot_dir)
    settings = resolve_settings(robot, profile=profile, overrides=set_ or (), check=False)
    report = check_robot(robot, settings, credentials=not no_vault, production=production)
    if as_json:
        emit_json(_check_json(report, settings))
        raise typer.Exit(2 if report.problems else 0)
    out = plain_console()
    for override in report.overrides:
        replaced = override.replaces.where() if override.replaces else "nothing"
        out.print(f"override: {override.keyword.where()} '{override.keyword.name}' replaces {replaced}", soft_wrap=True)
    for warning in report.warnings:
        out.print(f"warning: {warning}", soft_wrap=True)
    err = plain_console(stderr=True)
    for problem in report.problems:
        err.print(f"problem: {problem}", soft_wrap=True)
    out.print(report.summary(settings), soft_wrap=True)
    raise typer.Exit(2 if report.problems else 0)


app.command("check")(check)


def _check_json(report, settings) -> dict:
    """``rpa robot check --json``: what the check found, the problems as a list."""
    info = report.robot.manifest
    return {
        "robot": info.robot.name,
        "version": info.robot.version,
        "manifest": report.robot.manifest_file,
        "profile": settings.profile,
        "ok": not report.problems,
        "problems": list(report.problems),
        "warnings": list(report.warnings),
        "overrides": [
            {
                "keyword": override.keyword.name,
                "defined_at": override.keyword.where(),
                "replaces": override.replaces.where() if override.replaces else None,
                "arguments_differ": override.arguments_differ,
            }
            for override in report.overrides
        ],
        "task_files": report.task_file_count,
        "systems": len(info.systems),
        "credentials": len(info.credentials),
        "summary": report.summary(settings),
    }


@app.command("new")
def new(
    name: Annotated[
        str,
        typer.Argument(
            help="The robot's name: lower-case letters, digits, '-', '_' or '.', starting with a letter.",
            show_default=False,
        ),
    ],
    dir_: Annotated[
        str | None,
        typer.Option("--dir", help="The folder to make; it must not exist or be empty. Default: ./NAME."),
    ] = None,
    owner: Annotated[str, typer.Option("--owner", help="The municipality that maintains the robot.")] = (
        "Eksempel Kommune"
    ),
) -> None:
    """Make a new robot that runs against the sandbox as it is, with its profile, README and tests.

    It lists the month's pending fleksløn payments, totals each one's wage for the income month, writes a workbook.

    It only reads from the systems. Refused (exit code 2): a name robot.toml does not allow, a folder with files.

    Example: rpa robot new tilskud --dir /tmp/tilskud --owner "Syddjurs Kommune"
    """
    import shlex

    from rpa_core.cli.common import plain_console
    from rpa_core.packaging import load_robot
    from rpa_core.packaging.scaffold import scaffold_robot

    made = scaffold_robot(name, dir_, owner)
    secrets = ", ".join(c.name for c in load_robot(made.directory).manifest.credentials)
    folder = shlex.quote(str(made.directory))
    out = plain_console()
    lines = [f"Robot '{made.name}' for {made.owner} in {made.directory}:"]
    lines += [f"  {path.as_posix()}" for path in sorted(made.files, key=lambda p: (len(p.parts), p.as_posix()))]
    lines += [
        "Next steps:",
        f"  rpa robot check {folder} --profile {made.profile}",
        f"    (it looks for the credentials {secrets} in .rpa/secrets.toml or RPA_SECRET_* variables: see README.md)",
        f"  python -m pytest {shlex.quote(str(made.directory / 'tests'))}",
        f"  then {shlex.quote(str(made.directory / 'README.md'))}: run it against `rpa sandbox serve`",
    ]
    for line in lines:
        out.print(line, soft_wrap=True)


FromOption = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="Upstream from here instead of \\[upstream]: a robot folder or a git repository URL\\[@ref] "
        "(add #subdir=PATH for a robot inside a repository).",
        show_default=False,
    ),
]
ForkDir = Annotated[str, typer.Argument(help="The fork's folder (made by rpa robot fork).", show_default=False)]


@app.command("fork")
def fork(
    source: Annotated[
        str,
        typer.Argument(
            help="A robot folder (with robot.toml) or a git repository URL\\[@ref]; a local path to a repository works "
            "offline, and a folder at the top of a repository is read as the repository (its commits).",
            show_default=False,
        ),
    ],
    dest: Annotated[str, typer.Argument(help="The new folder for the fork: it must not exist or be empty.")],
    municipality: Annotated[
        str,
        typer.Option(
            "--municipality",
            "-m",
            help='Your municipality, e.g. "Syddjurs Kommune"; its profile becomes profiles/syddjurs.toml.',
            show_default=False,
        ),
    ],
    subdir: Annotated[
        str | None, typer.Option("--subdir", help="The robot's folder inside the repository.", show_default=False)
    ] = None,
) -> None:
    """Fork a robot for your municipality: its files, its merge base in DEST/.upstream, a profile to fill in.

    The new profile lists under \\[undecided] each setting whose value named the source municipality.

    Those are its systems' addresses, mailbox, codes and folders: a run refuses to start until you set yours.

    Refused (exit code 2): a DEST with files, a SOURCE that is not a robot, a symlink or a '..' name in it.

    Example: rpa robot fork robots/flexloen /tmp/syddjurs --municipality "Syddjurs Kommune"
    """
    from pathlib import Path

    from rpa_core.packaging.fork import fork as fork_robot
    from rpa_core.packaging.toml_text import toml_value

    made = fork_robot(source, Path(dest), municipality, subdir=subdir)
    kind = "folder" if made.revision == "folder" else f"commit {made.revision[:12]}"
    typer.echo(f"Forked {made.robot} {made.version} from {made.source} ({kind}) into {made.dest}:")
    typer.echo(f"  {len(made.files)} files copied, and their snapshot (the merge base) to {made.dest / '.upstream'}:")
    for name in made.files:
        typer.echo(f"    {name}")
    source_profile = made.source_profile
    origin = f"from profiles/{source_profile.name}" if source_profile else "(the source has no profile)"
    typer.echo(f"  profile {made.profile} for {municipality}: {len(made.settings)} setting(s) {origin}")
    for name, value in made.settings.items():
        typer.echo(f"    {name} = {toml_value(value)}")
    typer.echo(f"  {len(made.undecided)} undecided setting(s): set your values under [settings] in {made.profile}")
    for name, value in made.undecided.items():
        typer.echo(f"    {name}  (the source's value: {toml_value(value)})")
    typer.echo(f"Next: {made.next_command}")


@upstream_app.command("status")
def upstream_status(robot_dir: ForkDir, from_: FromOption = None, as_json: JsonOption = False) -> None:
    """What the fork and its upstream each changed since the snapshot, and the files both changed.

    Refused (exit code 2): a folder without \\[upstream], or whose .upstream/ was edited by hand.

    --json: {"snapshot": {...}, "upstream": {...}, "fork_changes": {...}, ...}; fields in README.md (The rpa command).

    Example: rpa robot upstream status examples/flexloen/syddjurs
    """
    from rpa_core.packaging.upstream import status

    state = status(robot_dir, from_)
    if as_json:
        emit_json(_status_json(robot_dir, state))
        return
    info = state.info
    revision = "folder" if state.upstream_revision == "folder" else state.upstream_revision[:12]
    snapshot_revision = "folder" if info.revision == "folder" else info.revision[:12]
    typer.echo(f"Fork {robot_dir}: snapshot {info.version} ({snapshot_revision}) of {info.source}")
    typer.echo(f"Upstream {state.source}: now {state.upstream_version} ({revision})")
    for title, changes in (("the fork", state.fork), ("upstream", state.upstream)):
        lines = changes.lines()
        typer.echo(f"Changed in {title} since the snapshot: {len(lines) or 'nothing'}")
        for line in lines:
            typer.echo(f"  {line}")
    if state.both:
        typer.echo(f"Changed on both sides ({len(state.both)}): a merge combines their lines")
        for path in state.both:
            typer.echo(f"  {path}")
    if state.pending:
        typer.echo(f"A merge of upstream {state.pending['version']} is unfinished: resolve its markers, then merge")
    if state.upstream.paths or state.pending:
        typer.echo(f"Next: rpa robot upstream diff {robot_dir}, then rpa robot upstream merge {robot_dir}")


def _changes_json(changes) -> dict:
    return {"added": changes.added, "modified": changes.modified, "deleted": changes.deleted}


def _status_json(robot_dir: str, state) -> dict:
    """``rpa robot upstream status --json``: the snapshot, upstream now, and what each side changed."""
    info, pending = state.info, state.pending
    return {
        "robot": robot_dir,
        "snapshot": {
            "source": info.source,
            "ref": info.ref,
            "version": info.version,
            "revision": info.revision,
            "forked_at": info.forked_at,
            "merged_at": info.merged_at,
        },
        "upstream": {"source": state.source, "version": state.upstream_version, "revision": state.upstream_revision},
        "fork_changes": _changes_json(state.fork),
        "upstream_changes": _changes_json(state.upstream),
        "changed_on_both_sides": state.both,
        "unfinished_merge": (
            {
                "version": pending.get("version"),
                "revision": pending.get("revision"),
                "conflicts": pending.get("conflicts", []),
            }
            if pending
            else None
        ),
    }


@upstream_app.command("diff")
def upstream_diff(robot_dir: ForkDir, from_: FromOption = None, as_json: JsonOption = False) -> None:
    """Unified diffs of upstream's changes since the snapshot, then of the fork's own changes.

    --json: {"robot", "snapshot_version", "upstream_version", "upstream_diffs": [...], "fork_diffs": [...]}.

    Example: rpa robot upstream diff examples/flexloen/syddjurs
    """
    from rpa_core.packaging.upstream import diff

    result = diff(robot_dir, from_)
    info, state = result.status.info, result.status
    if as_json:
        emit_json(
            {
                "robot": robot_dir,
                "snapshot_version": info.version,
                "upstream_version": state.upstream_version,
                "upstream_diffs": result.upstream,
                "fork_diffs": result.fork,
            }
        )
        return
    sections = (
        (f"Upstream's changes since the snapshot ({info.version} -> {state.upstream_version})", result.upstream),
        ("The fork's own changes since the snapshot", result.fork),
    )
    for title, diffs in sections:
        typer.echo(f"=== {title}: {len(diffs)} file(s) ===")
        for text in diffs:
            typer.echo(text, nl=False)


@upstream_app.command("merge")
def upstream_merge(robot_dir: ForkDir, from_: FromOption = None) -> None:
    """Three-way merge of upstream's changes since the snapshot into the fork; profiles/ and local/ stay as they are.

    Clean (exit code 0): files written, .upstream/ replaced by upstream's files, \\[upstream] advanced.

    Conflicts (exit code 1): markers in the conflicted files, each conflict listed as file:lines; nothing else.

    Every other file, \\[upstream] and .upstream/ are unchanged: resolve the markers and run the same command again.

    Example: rpa robot upstream merge examples/flexloen/syddjurs
    """
    from rpa_core.packaging.merge import merge

    result = merge(robot_dir, from_)
    revision = "folder" if result.revision == "folder" else result.revision[:12]
    if result.up_to_date:
        typer.echo(f"Upstream {result.new_version} ({revision}) is the snapshot already: nothing to merge")
        return
    lists = (("merged", result.merged), ("updated", result.updated), ("added", result.added))
    lists += (("removed", result.removed),)
    counts = ", ".join(f"{len(paths)} {title}" for title, paths in lists) + f", {len(result.unchanged)} unchanged"
    if result.clean:
        typer.echo(f"Merged upstream {result.new_version} ({revision}) into {robot_dir}: {counts}")
        for title, paths in lists:
            for path in paths:
                typer.echo(f"  {title}: {path}")
        typer.echo(f"[upstream] now at {result.new_version} (was {result.old_version}); .upstream/ is the new snapshot")
        return
    typer.echo(
        f"Merge of upstream {result.new_version} ({revision}) into {robot_dir} stopped: "
        f"{len(result.conflicts)} conflict(s), markers written in those files only:"
    )
    for conflict in result.conflicts:
        typer.echo(f"  conflict: {conflict}")
    typer.echo(f"Nothing else was changed ([upstream] and .upstream/ neither); {len(result.pending)} file(s) to merge:")
    for path in result.pending:
        typer.echo(f"  pending: {path}")
    typer.echo(f"Resolve the markers (or delete the file), then run again: rpa robot upstream merge {robot_dir}")
    raise typer.Exit(1)
