"""``rpa vault`` as a user runs it, and the secret store's precedence: the encrypted vault, then the fallback."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from support import assert_one_clear_line, files

from rpa_core.errors import UserError
from rpa_core.vault import SecretStore
from rpa_core.vault.crypto import encode_key, new_key
from rpa_core.vault.keys import VaultKeyMissingError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """A user's environment: a store in tmp_path, the default key folder in tmp_path, no keyring, no key set."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("RPA_", "PYTHON_KEYRING"))}
    environ.update(
        {
            "RPA_STORE_URL": f"sqlite:///{(tmp_path / 'store' / 'rpa.db').as_posix()}",
            "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
            "APPDATA": str(tmp_path / "cfg"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
    )
    return environ


def vault(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rpa_core.cli.main", "vault", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


def test_set_reads_stdin_get_hides_values_ls_json_never_shows_them(env, tmp_path):
    made = vault("init", env=env)
    assert made.returncode == 0, made
    assert "key file" in made.stdout and str(tmp_path / "cfg") in made.stdout
    value = f"pw-{secrets.token_hex(8)}"
    result = vault("set", "ydelse", "password", "--description", "robot user", env=env, stdin=value + "\n")
    assert result.returncode == 0, result
    assert result.stdout.strip().startswith("added secret 'ydelse' field 'password'")
    hidden = vault("get", "ydelse", env=env)
    assert hidden.returncode == 0 and "password" in hidden.stdout and value not in hidden.stdout + hidden.stderr
    shown = vault("get", "YDELSE", "Password", "--reveal", env=env)
    assert shown.stdout == value + "\n"  # the whole line read from stdin, its newline dropped
    listing = vault("ls", "--json", env=env)
    document = json.loads(listing.stdout)
    assert document["secrets"][0]["name"] == "ydelse" and document["secrets"][0]["description"] == "robot user"
    assert [f["field"] for f in document["secrets"][0]["fields"]] == ["password"]
    assert "@" in document["secrets"][0]["fields"][0]["changed_by"]
    assert value not in listing.stdout and len(document["key_id"]) == 16
    in_argv = vault("set", "ydelse", "username", "typed-in-argv", env=env, stdin="")
    assert in_argv.returncode == 2 and "username" not in vault("ls", env=env).stdout  # no value argument exists
    empty = vault("set", "ydelse", "username", env=env, stdin="")
    assert_one_clear_line(empty, "no value for secret 'ydelse' field 'username'")


def test_wrong_key_is_one_line_and_writes_nothing(env, tmp_path):
    assert vault("init", env=env).returncode == 0
    assert vault("set", "ydelse", "password", env=env, stdin="one").returncode == 0
    before = files(tmp_path / "store")
    wrong = {**env, "RPA_VAULT_KEY": encode_key(new_key())}
    for args in (("set", "ydelse", "password"), ("rm", "ydelse"), ("rotate-key",), ("get", "ydelse")):
        result = vault(*args, env=wrong, stdin="two")
        assert_one_clear_line(result, "this key does not open the vault: key id", "is not the vault's key")
    assert files(tmp_path / "store") == before


def test_rotate_key_keeps_secrets_and_the_old_key_fails(env, tmp_path):
    key_file = tmp_path / "ci.key"
    assert vault("init", "--key-file", str(key_file), env=env).returncode == 0
    with_file = {**env, "RPA_VAULT_KEY_FILE": str(key_file)}
    assert vault("set", "esdh", "api_key", env=with_file, stdin="k-1").returncode == 0
    old = key_file.read_text()
    rotated = vault("rotate-key", env=with_file)
    assert rotated.returncode == 0, rotated
    assert "re-sealed 1 field(s)" in rotated.stdout and old.strip() not in rotated.stdout
    assert key_file.read_text() != old and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert vault("get", "esdh", "api_key", "--reveal", env=with_file).stdout == "k-1\n"
    stale = vault("get", "esdh", env={**env, "RPA_VAULT_KEY": old.strip()})
    assert_one_clear_line(stale, "was retired by rotate-key")


def test_import_toml_and_rpaframework_json_say_what_they_imported(env, tmp_path):
    assert vault("init", env=env).returncode == 0
    toml = tmp_path / "secrets.toml"
    toml.write_text('[ydelse]\nusername = "robot"\npassword = "toml-pw"\n', encoding="utf-8")
    imported = vault("import", str(toml), env=env)
    assert imported.returncode == 0, imported
    assert "imported 'ydelse': username, password" in imported.stdout and "toml-pw" not in imported.stdout
    data = tmp_path / "secrets.json"
    data.write_text(json.dumps({"esdh": {"api_key": "json-key"}, "ydelse": {"password": "new-pw"}}))
    imported = vault("import", str(data), env=env)
    assert "imported 2 secret(s), 2 field(s)" in imported.stdout and "json-key" not in imported.stdout
    store = SecretStore(tmp_path / "none.toml", environ=env)
    assert dict(store.get("ydelse")) == {"username": "robot", "password": "new-pw"}
    assert store.get("ESDH")["API_KEY"] == "json-key"
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": "not a table"}')
    assert_one_clear_line(vault("import", str(bad), env=env), "'x' must be a table of fields")


def test_vault_first_then_the_development_fallback(env, tmp_path):
    key = encode_key(new_key())
    keyed = {**env, "RPA_VAULT_KEY": key}
    assert vault("init", env=keyed).returncode == 0
    assert vault("set", "ydelse", "password", env=keyed, stdin="vault-pw").returncode == 0
    toml = tmp_path / "secrets.toml"
    toml.write_text('[ydelse]\npassword = "toml-pw"\nextra = "e"\n[esdh]\napi_key = "toml-key"\n', encoding="utf-8")
    environ = {**keyed, "RPA_SECRET_YDELSE__PASSWORD": "env-pw"}
    store = SecretStore(toml, environ=environ)
    assert dict(store.get("ydelse")) == {"password": "vault-pw"}  # the vault's secret, all of it
    assert dict(store.get("esdh")) == {"api_key": "toml-key"} and not store.in_vault("esdh")
    assert store.in_vault("YDELSE") and store.names() == ["esdh", "ydelse"]
    keyless = SecretStore(toml, environ={k: v for k, v in environ.items() if k != "RPA_VAULT_KEY"})
    with pytest.raises(VaultKeyMissingError, match=r"RPA_VAULT_KEY.*RPA_VAULT_KEY_FILE.*OS keyring"):
        keyless.get("esdh")
    with pytest.raises(UserError, match="this key does not open the vault"):
        SecretStore(toml, environ={**environ, "RPA_VAULT_KEY": encode_key(new_key())}).get("ydelse")


def test_robot_check_in_production_mode_warns_for_fallback_credentials(env, tmp_path):
    robot = tmp_path / "robot"
    (robot / "tasks").mkdir(parents=True)
    (robot / "robot.toml").write_text(
        '[robot]\nname = "creds"\n\n[[credentials]]\nname = "ydelse"\nkeys = ["password"]\n\n'
        '[[credentials]]\nname = "esdh"\nkeys = ["api_key"]\n\n'
        '[[steps]]\nname = "main"\ntasks = "tasks/main.robot"\n',
        encoding="utf-8",
    )
    (robot / "tasks" / "main.robot").write_text("*** Tasks ***\nNothing\n    No Operation\n", encoding="utf-8")
    keyed = {**env, "RPA_VAULT_KEY": encode_key(new_key()), "RPA_SECRET_ESDH__API_KEY": "from-env"}
    assert vault("init", env=keyed).returncode == 0
    assert vault("set", "ydelse", "password", env=keyed, stdin="vault-pw").returncode == 0
    command = [sys.executable, "-m", "rpa_core.cli.main", "robot", "check", str(robot)]
    plain = subprocess.run(command, capture_output=True, text=True, env=keyed, cwd=tmp_path, timeout=120)
    assert plain.returncode == 0, plain
    assert "development fallback" not in plain.stdout
    production = subprocess.run(
        command, capture_output=True, text=True, env={**keyed, "RPA_PRODUCTION": "1"}, cwd=tmp_path, timeout=120
    )
    assert production.returncode == 0, production
    warnings = [line for line in production.stdout.splitlines() if "development fallback" in line]
    assert len(warnings) == 1 and "credentials[1] (esdh)" in warnings[0]
    assert "from-env" not in production.stdout + production.stderr
