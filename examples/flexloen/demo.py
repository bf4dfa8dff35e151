"""The main job, end to end on one machine: the fleksløn robot against the reference systems.

Starts the sandbox (50 fictitious citizens, payment month 2024-11) and a local mail server, runs
``robots/flexloen`` with Skanderborg's profile on the embedded SQLite store, and prints what happened: done,
manual by reason, errors, the caseworkers' report, the log, and the team's mail.

    python examples/flexloen/demo.py [--citizens 50] [--workdir demo]

Everything it writes lands in ``--workdir``, wiped at the start so each demo starts from scratch. The demo marks a
folder it made with ``.rpa-example`` and wipes only such a folder, a new one or an empty one: any other is refused
(exit code 2, nothing deleted).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the examples' own helpers
from workdir import MARKER, prepare_workdir

ROOT = Path(__file__).resolve().parents[2]
ROBOT = ROOT / "robots" / "flexloen"
PAYMENT_MONTH = "2024-11"  # income month 2024-10: its rates are confirmed (robots/flexloen/README.md)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_mail_server():
    """A local SMTP server that keeps what it receives (the team's mailbox, for the demo)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Mailbox(Message):
        def __init__(self) -> None:
            super().__init__()
            self.received = []

        def handle_message(self, message) -> None:
            self.received.append(message)

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, mailbox


def print_summary(result, store, mailbox) -> None:
    from rich.console import Console
    from rich.table import Table

    from rpa_core.queue import ItemState, latest_attempts, list_items

    console = Console()
    items = list_items(store, queue="flexloen", run_id=result.run_id, limit=100_000)
    table = Table(title=f"Fleksløntilskud {PAYMENT_MONTH}: run {result.run_id} {result.status.value}")
    table.add_column("Outcome")
    table.add_column("Cases", justify="right")
    # What the robot did with each item is its latest attempt's result (Set Work Item Result in the consumer).
    attempts = latest_attempts(store, [item.id for item in items])
    results = {item_id: attempt.result or {} for item_id, attempt in attempts.items()}
    outcomes = Counter(results.get(i.id, {}).get("outcome") for i in items if i.state is ItemState.DONE)
    table.add_row("approved and journalised", str(outcomes.get("CALCULATED", 0)))
    table.add_row("already handled (nothing written)", str(outcomes.get("ALREADY_HANDLED", 0)))
    reasons = Counter(item.last_code for item in items if item.state is ItemState.BUSINESS_EXCEPTION)
    for code, count in sorted(reasons.items()):
        table.add_row(f"manual: {code}", str(count))
    errors = sum(1 for item in items if not item.state.ok)
    table.add_row("errors", str(errors), style="red" if errors else None)
    console.print(table)
    reports = sorted((result.artifacts_dir.parent.parent / "reports").rglob("*.xlsx"))
    if reports:
        console.print(f"Report for the caseworkers (holds CPR numbers): {reports[-1]}")
    if result.log_html:
        console.print(f"Log (CPR masked): {result.log_html}")
    for message in mailbox.received:
        console.print(f"Mail to {message['To']}:\n{message.get_payload(decode=True).decode()}", highlight=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=50)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path("demo"),
        help=f"where it all goes (default demo/); a folder the demo made ({MARKER} in it), a new or an empty one",
    )
    args = parser.parse_args()
    workdir = args.workdir.resolve()
    refusal = prepare_workdir(workdir, "demo")
    if refusal:
        print(refusal, file=sys.stderr)
        return 2

    from rpa_core.packaging import load_robot, resolve_settings
    from rpa_core.runner import Runner
    from rpa_core.runner.progress import ConsoleObserver
    from rpa_core.sandbox.app import SandboxConfig, create_app
    from rpa_core.sandbox.generator import GeneratorConfig, generate
    from rpa_core.sandbox.server import SandboxServer
    from rpa_core.sandbox.workbook import write_stamdata
    from rpa_core.store import open_store

    os.chdir(workdir)

    generator = GeneratorConfig(seed=1, citizens=args.citizens, payment_month=PAYMENT_MONTH)
    stamdata = write_stamdata(generate(generator), workdir / "stamdata.xlsx")
    server = SandboxServer(create_app(SandboxConfig(generator=generator))).start()
    smtp, mailbox = start_mail_server()
    print(f"Sandbox with {args.citizens} fictitious citizens on {server.base_url}; mail server on port {smtp.port}")
    # The sandbox's demo logins, in the vault as a municipality's robot machine would have its own.
    for system, (user, password) in {"ydelse": ("robot", "ydelse-demo")}.items():
        os.environ[f"RPA_SECRET_{system.upper()}__USERNAME"] = user
        os.environ[f"RPA_SECRET_{system.upper()}__PASSWORD"] = password
    for system in ("indkomst", "esdh"):
        os.environ[f"RPA_SECRET_{system.upper()}__API_KEY"] = "sandbox-demo-key"
    try:
        robot = load_robot(ROBOT)
        settings = resolve_settings(
            robot,
            profile="skanderborg",
            overrides=[
                f"ydelse_url={server.base_url}/ydelse",
                f"indkomst_url={server.base_url}/indkomst",
                f"esdh_url={server.base_url}/esdh",
                f"payment_month={PAYMENT_MONTH}",
                f"master_data_workbook={stamdata}",
                "report_folder=reports",
                "smtp_host=127.0.0.1",
                f"smtp_port={smtp.port}",
            ],
        )
        store = open_store(f"sqlite:///{(workdir / '.rpa' / 'rpa.db').as_posix()}")
        result = Runner(store, robot, runs_dir=workdir / "runs", observer=ConsoleObserver(), settings=settings).run()
        print_summary(result, store, mailbox)
        return result.exit_code
    finally:
        smtp.stop()
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
