"""``rpa sandbox``: the reference municipal systems (Ydelsessystem, Indkomstregister, ESDH) on localhost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rpa_core.cli.common import HELP_OPTIONS
from rpa_core.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from rpa_core.sandbox.generator import GeneratorConfig

app = typer.Typer(
    help="Reference municipal systems for developing and testing robots.",
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
)

SEED = typer.Option(1, "--seed", help="Seed of the fictitious data: the same seed gives the same data.")
CITIZENS = typer.Option(50, "--citizens", help="Number of citizens in a flexjob (1-10000).")
MONTH = typer.Option("2024-11", "--month", help="Payment month YYYY-MM; the subsidy is computed on the month before.")
RATES = typer.Option(None, "--rates", help="TOML or JSON file with extra rate years (see rpa_core/sandbox/README.md).")
UNIT = typer.Option("FLEKS", "--unit", help="The benefits system's code for its flexjob unit (e.g. FJ).")
SHARES = typer.Option(None, "--share", help="Share of citizens with a scenario, e.g. --share NO_WAGE=0.1 (repeatable).")


def _generator_config(
    seed: int, citizens: int, month: str, rates: Path | None, shares: list[str] | None, unit: str = "FLEKS"
) -> GeneratorConfig:
    from rpa_core.sandbox.generator import DEFAULT_SHARES, GeneratorConfig
    from rpa_core.sandbox.rates import RateTable, load_rates_file

    table = load_rates_file(rates) if rates else RateTable()
    share_map = dict(DEFAULT_SHARES)
    for spec in shares or []:
        name, sep, value = spec.partition("=")
        try:
            share_map[name.strip().upper()] = float(value)
        except ValueError:
            raise UserError(f"--share '{spec}': write SCENARIO=FRACTION, e.g. NO_WAGE=0.1") from None
        if not sep:
            raise UserError(f"--share '{spec}': write SCENARIO=FRACTION, e.g. NO_WAGE=0.1")
    config = GeneratorConfig(
        seed=seed, citizens=citizens, payment_month=month, shares=share_map, rates=table, unit=unit
    )
    try:
        config.validate()
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return config


@app.command()
def serve(
    port: int = typer.Option(8400, "--port", help="Port on 127.0.0.1 (0: any free port)."),
    seed: int = SEED,
    citizens: int = CITIZENS,
    month: str = MONTH,
    faults: list[str] = typer.Option(
        None, "--faults", help="Faults, e.g. --faults latency_ms=200,jitter_ms=100,error_rate=0.05 (off by default)."
    ),
    rates: Path | None = RATES,
    share: list[str] = SHARES,
    unit: str = UNIT,
    session_minutes: float = typer.Option(30, "--session-minutes", help="Idle minutes before a login expires."),
    admin: bool = typer.Option(False, "--admin", help="Mount /admin (expected outcomes, live faults): tests only."),
) -> None:
    """Serve the three reference systems on 127.0.0.1 and print their URLs and the demo logins.

    Example: rpa sandbox serve --port 8400 --seed 7 --citizens 200 --month 2024-11 --faults dialog_rate=0.2
    """
    from rpa_core.sandbox.app import SandboxConfig, create_app
    from rpa_core.sandbox.auth import API_KEY_HEADER, DEMO_LOGINS, SYSTEMS
    from rpa_core.sandbox.faults import parse_faults
    from rpa_core.sandbox.server import bind, uvicorn_server

    if not 0 <= port <= 65535:
        raise UserError(f"--port {port}: must be between 0 and 65535")
    if session_minutes <= 0:
        raise UserError("--session-minutes must be more than 0")
    generator = _generator_config(seed, citizens, month, rates, share, unit)
    try:
        fault_config = parse_faults(faults)
    except ValueError as exc:
        raise UserError(f"--faults: {exc}") from None
    config = SandboxConfig(generator=generator, session_ttl_seconds=session_minutes * 60)
    application = create_app(config, faults=fault_config, admin=admin)
    try:
        sock = bind(port)
    except OSError as exc:
        raise UserError(f"--port {port}: cannot listen on 127.0.0.1 ({exc.strerror})") from None
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    data = application.state.sandbox.data
    typer.echo(f"Sandbox: seed {seed}, {citizens} citizens, payment month {data.payment_month} "
               f"(income month {data.income_month}); all data is fictitious.")  # fmt: skip
    for system, title in SYSTEMS.items():
        user, password = DEMO_LOGINS[system]
        typer.echo(f"  {title:<17} {base}/{system}/   login: {user} / {password}")
    typer.echo(f"  JSON APIs         {base}/docs   header {API_KEY_HEADER}: {config.api_key}")
    if admin:
        typer.echo(f"  Admin (tests)     {base}/admin/expected  {base}/admin/faults")
    active = {k: v for k, v in fault_config.to_json().items() if v and k != "seed"}
    typer.echo(f"  Faults: {active or 'none'}")
    typer.echo("Press Ctrl+C to stop.")
    import gc

    gc.freeze()  # the generated data lives as long as the process: keep it out of full GC passes (latency)
    uvicorn_server(application, log_level="info").run(sockets=[sock])


@app.command()
def generate(
    out: Path = typer.Argument(..., help="Folder to write stamdata.xlsx and expected.json into."),
    seed: int = SEED,
    citizens: int = CITIZENS,
    month: str = MONTH,
    rates: Path | None = RATES,
    share: list[str] = SHARES,
    unit: str = UNIT,
) -> None:
    """Write the caseworkers' stamdata.xlsx and the expected outcome of every payment (expected.json).

    Example: rpa sandbox generate ./sandbox-data --seed 7 --citizens 200 --month 2024-11
    """
    from rpa_core.cli.common import check_output_folder
    from rpa_core.sandbox.generator import generate as run_generator
    from rpa_core.sandbox.workbook import write_stamdata

    config = _generator_config(seed, citizens, month, rates, share, unit)
    check_output_folder(out, "the output folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"the output folder {out} cannot be created: {exc.strerror}") from None
    data = run_generator(config)
    workbook = write_stamdata(data, out / "stamdata.xlsx")
    expected = {
        "seed": seed,
        "citizens": citizens,
        "payment_month": str(data.payment_month),
        "income_month": str(data.income_month),
        "change_threshold": str(config.change_threshold),
        "rates": config.rates.to_json(),
        "outcomes": [e.to_json() for e in data.expected],
    }
    (out / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(f"Wrote {workbook} ({len(data.master_data)} rows) and {out / 'expected.json'} "
               f"({len(data.expected)} payments).")  # fmt: skip
