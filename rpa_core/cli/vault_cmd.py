"""``rpa vault``: the store's encrypted vault of robot credentials (rpa_core.vault).

Values never come from the command line and are never printed without ``--reveal``; the key comes from
RPA_VAULT_KEY, RPA_VAULT_KEY_FILE, the default key file or the OS keyring (rpa_core.vault.keys), never argv.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rpa_core.cli.common import HELP_OPTIONS, StoreOption, local_time, open_cli_existing_store, open_cli_store
from rpa_core.cli.output import JsonOption, data_console, emit_json, iso_time, table
from rpa_core.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from rpa_core.vault.keys import VaultKey
    from rpa_core.vault.store_vault import EncryptedVault

app = typer.Typer(
    help=(
        "The encrypted vault: robot credentials sealed in the store.\n\n"
        'Example: rpa vault init && printf %s "$PASSWORD" | rpa vault set ydelse password'
    ),
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
)

Name = Annotated[str, typer.Argument(help="The secret's name (case-insensitive), e.g. ydelse.", show_default=False)]
KeyFile = Annotated[
    Path | None, typer.Option("--key-file", help="Write the new key to this file (owner-only); it must not exist.")
]
Keyring = Annotated[bool, typer.Option("--keyring", help="Keep the new key in the OS keyring instead of a file.")]


def _open(store: str | None) -> tuple[EncryptedVault, VaultKey]:
    """The store's vault opened with its key from the key sources; one line when there is none or it is wrong."""
    from rpa_core.vault.keys import require_key
    from rpa_core.vault.store_vault import NO_VAULT, EncryptedVault, active_key_id

    opened = open_cli_existing_store(store)
    kid = active_key_id(opened)
    if kid is None:
        raise UserError(NO_VAULT)
    key = require_key(kid)
    return EncryptedVault.open(opened, key.key), key


@app.command("init")
def init(key_file: KeyFile = None, keyring: Keyring = False, store: StoreOption = None) -> None:
    """Make the store's vault and its key; prints where the key is kept, never the key.

    The key: --key-file PATH (an existing key file there is used), --keyring, RPA_VAULT_KEY or RPA_VAULT_KEY_FILE
    when set, else a new key in the default key file ~/.config/rpa-core/vault-keys/<key id>.key (%APPDATA% on
    Windows), written owner-only. Keep a copy somewhere safe: without the key no secret can be read.

    Example: rpa vault init --key-file /etc/rpa/vault.key
    """
    from rpa_core.vault import keys
    from rpa_core.vault.crypto import key_id, new_key
    from rpa_core.vault.store_vault import EncryptedVault, active_key_id

    opened = open_cli_store(store)
    if (active := active_key_id(opened)) is not None:
        raise UserError(f"the store has a vault already (key id {active}); `rpa vault rotate-key` replaces its key")
    made: Path | None = None
    named = Path(os.environ.get(keys.KEY_FILE_ENV) or "")
    if key_file is None and not keyring and not os.environ.get(keys.KEY_ENV) and named.name and not named.exists():
        key_file = named  # RPA_VAULT_KEY_FILE names the file to make
    if key_file is None and not keyring and (found := keys.find_key(None)) is not None:
        key, where = found.key, found.source
    elif key_file is not None and key_file.exists():
        key, where = keys.read_key_file(key_file), f"key file {key_file}"
    else:
        key = new_key()
        if keyring:
            keys.keyring_set(key)
            where = f"the OS keyring ({keys.KEYRING_SERVICE}/{key_id(key)})"
        else:
            made = key_file or keys.default_key_file(key_id(key))
            keys.write_key_file(made, key)
            where = f"key file {made} (owner-only)"
    try:
        EncryptedVault.create(opened, key)
    except BaseException:
        if made is not None:
            made.unlink(missing_ok=True)
        raise
    typer.echo(f"made the vault in {opened.display_url} with key id {key_id(key)}; its key is in {where}")
    if key_file is not None:
        typer.echo(f"robots and rpa commands find it when {keys.KEY_FILE_ENV}={key_file}")


def _read_value(name: str, field: str) -> str:
    """The value from a hidden prompt on a terminal, else all of stdin (one final newline dropped)."""
    if sys.stdin is not None and sys.stdin.isatty():
        value = typer.prompt(f"{name} {field}", hide_input=True, confirmation_prompt=True)
    else:
        value = sys.stdin.read() if sys.stdin is not None else ""
        value = value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")
    if not value:
        raise UserError(f"no value for secret '{name}' field '{field}': type it at the prompt or pipe it to stdin")
    return value


@app.command("set")
def set_(
    name: Name,
    field: Annotated[str, typer.Argument(help="The field: username, password, api_key, ...", show_default=False)],
    description: Annotated[str | None, typer.Option("--description", help="What the secret is for.")] = None,
    store: StoreOption = None,
) -> None:
    """Seal one field of a secret; the value from a hidden prompt, or from stdin when it is not a terminal.

    The value is never an argument (argv is visible to every user of the machine in ps).

    Example: printf %s "$PASSWORD" | rpa vault set ydelse password --description "Ydelsesservice robot user"
    """
    vault, _ = _open(store)
    added = vault.set(name, field, _read_value(name, field), description=description)
    typer.echo(f"{'added' if added else 'replaced'} secret '{name}' field '{field}' (key id {vault.key_id})")


@app.command("get")
def get(
    name: Name,
    field: Annotated[str | None, typer.Argument(help="Only this field.")] = None,
    reveal: Annotated[bool, typer.Option("--reveal", help="Show the values (with FIELD: the value alone).")] = False,
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """Show a secret's fields, opened with the key (so a changed value shows up); values only with --reveal.

    --json: {"name", "description", "key_id", "fields": [{"field", "changed_by", "changed_at", "value"?}]}.

    Example: rpa vault get ydelse password --reveal
    """
    from rpa_core.vault.store_vault import entries

    vault, _ = _open(store)
    values = vault.get(name)
    if values is None:
        raise UserError(f"no secret named '{name}' in the vault; `rpa vault ls` lists them")
    rows = entries(vault.store, name)
    if field is not None:
        if field not in values:
            raise UserError(f"secret '{name}' has no field '{field}' (it has {', '.join(values)})")
        rows = [row for row in rows if row.field.lower() == field.lower()]
    if as_json:
        fields = [
            {"field": r.field, "changed_by": r.changed_by, "changed_at": iso_time(r.changed_at)}
            | ({"value": values[r.field]} if reveal else {})
            for r in rows
        ]
        description = rows[0].description if rows else ""
        emit_json({"name": rows[0].name, "description": description, "key_id": vault.key_id, "fields": fields})
        return
    if reveal and field is not None:
        typer.echo(values[field])
        return
    title = rows[0].name + (f": {rows[0].description}" if rows[0].description else "")
    shown = table("FIELD", "VALUE", "CHANGED BY", "CHANGED AT", title=title)
    for row in rows:
        value = values[row.field] if reveal else "(hidden: --reveal shows it)"
        shown.add_row(row.field, value, row.changed_by, local_time(row.changed_at))
    data_console().print(shown)


@app.command("ls")
def ls(as_json: JsonOption = False, store: StoreOption = None) -> None:
    """List the secrets: names, fields, descriptions, who changed each and when; never a value, no key needed.

    --json: {"key_id", "secrets": [{"name", "description", "fields": [{"field", "changed_by", "changed_at"}]}]}.

    Example: rpa vault ls --json
    """
    from rpa_core.vault.store_vault import NO_VAULT, active_key_id, entries

    opened = open_cli_existing_store(store)
    kid = active_key_id(opened)
    if kid is None:
        raise UserError(NO_VAULT)
    found = entries(opened)
    if as_json:
        secrets: dict[str, dict] = {}
        for e in found:
            secret = secrets.setdefault(e.name.lower(), {"name": e.name, "description": e.description, "fields": []})
            secret["fields"].append(
                {"field": e.field, "changed_by": e.changed_by, "changed_at": iso_time(e.changed_at)}
            )
        emit_json({"key_id": kid, "secrets": list(secrets.values())})
        return
    shown = table("NAME", "FIELD", "DESCRIPTION", "CHANGED BY", "CHANGED AT", wrap=("DESCRIPTION",))
    for e in found:
        shown.add_row(e.name, e.field, e.description, e.changed_by, local_time(e.changed_at))
    data_console().print(shown)
    typer.echo(f"{len(found)} field(s) in {len({e.name.lower() for e in found})} secret(s); vault key id {kid}")


@app.command("rm")
def rm(
    name: Name,
    field: Annotated[str | None, typer.Argument(help="Only this field; default: the whole secret.")] = None,
    store: StoreOption = None,
) -> None:
    """Remove a secret, or one of its fields (needs the vault's key).

    Example: rpa vault rm ydelse api_key
    """
    from rpa_core.vault.importing import fields_text

    vault, _ = _open(store)
    removed = vault.remove(name, field)
    if not removed:
        what = f"field '{field}' in secret '{name}'" if field else f"secret named '{name}'"
        raise UserError(f"no {what} in the vault; `rpa vault ls` lists them")
    typer.echo(f"removed from secret '{name}': {fields_text(removed)}")


@app.command("rotate-key")
def rotate_key(key_file: KeyFile = None, keyring: Keyring = False, store: StoreOption = None) -> None:
    """Seal every secret with a new key in one transaction and retire the old key, which then opens nothing.

    The new key goes to --key-file PATH or --keyring, else where the old one was: the same RPA_VAULT_KEY_FILE,
    the default key file of the new key id, or the OS keyring. With RPA_VAULT_KEY, it goes to the default key
    file and RPA_VAULT_KEY must then be set to it.

    Example: RPA_VAULT_KEY_FILE=/etc/rpa/vault.key rpa vault rotate-key
    """
    from rpa_core.vault import keys
    from rpa_core.vault.crypto import key_id, new_key

    vault, old = _open(store)
    old_id, new = vault.key_id, new_key()
    new_id = key_id(new)
    staged: Path | None = None  # the new key's file; beside the old one (.new) when it replaces RPA_VAULT_KEY_FILE
    final: Path | None = None
    if keyring or (key_file is None and old.kind == "keyring"):
        keys.keyring_set(new)
        where = f"the OS keyring ({keys.KEYRING_SERVICE}/{new_id})"
    else:
        if key_file is not None:
            final = staged = key_file
        elif old.kind == "env-file" and old.path is not None:
            final, staged = old.path, old.path.with_name(old.path.name + ".new")
        else:
            final = staged = keys.default_key_file(new_id)
        keys.write_key_file(staged, new)
        where = f"key file {final}"
    try:
        count = vault.rotate(new)
    except BaseException:
        if staged is not None:
            staged.unlink(missing_ok=True)
        else:
            keys.keyring_delete(new_id)
        raise
    if staged is not None and final is not None and staged != final:
        staged.replace(final)
    if old.kind == "keyring":
        keys.keyring_delete(old_id)
    elif old.kind == "default-file" and old.path is not None:
        old.path.unlink(missing_ok=True)  # a retired key opens nothing; its default file goes
    typer.echo(f"re-sealed {count} field(s) with key id {new_id}; key id {old_id} is retired and opens nothing")
    typer.echo(f"the new key is in {where}")
    if old.kind == "env":
        typer.echo(f"set {keys.KEY_ENV} to the key in that file wherever the old one was set")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A secrets TOML file or rpaframework FileSecrets JSON.")],
    store: StoreOption = None,
) -> None:
    """Seal every secret of a file into the vault, saying which names and fields it imported (never a value).

    FILE: today's .rpa/secrets.toml ([name] tables of fields) or a .json file {"name": {"field": "value"}} as
    rpaframework's FileSecrets reads. Fields the vault has are replaced. Delete the file afterwards.

    Example: rpa vault import .rpa/secrets.toml
    """
    from rpa_core.vault.importing import fields_text, read_import_file

    secrets = read_import_file(file)
    vault, _ = _open(store)
    imported = vault.import_secrets(secrets)
    for name, fields in imported:
        typer.echo(f"imported '{name}': {fields_text(fields)}")
    count = sum(len(fields) for _, fields in imported)
    typer.echo(f"imported {len(imported)} secret(s), {count} field(s) from {file} (key id {vault.key_id})")
