"""A real ``rpa run`` with the key in RPA_VAULT_KEY: the robot reads the vault's secret, and no command line of
the runner or any child process it starts (as ps shows them, sampled while they run) holds the secret or the key."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import psutil

from rpa_core.store import open_store
from rpa_core.vault.crypto import encode_key, new_key
from rpa_core.vault.store_vault import EncryptedVault

TASK = """*** Settings ***
Library    RPA.Robocorp.Vault

*** Tasks ***
Read The Vault
    ${secret}=    Get Secret    ydelse
    ${digest}=    Evaluate    hashlib.sha256($secret['password'].encode()).hexdigest()    modules=hashlib
    Should Be Equal    ${digest}    EXPECTED    the robot read another password    values=False
    Sleep    1.5s
"""


def _robot(folder: Path, digest: str) -> Path:
    (folder / "tasks").mkdir(parents=True)
    (folder / "robot.toml").write_text(
        '[robot]\nname = "vaulted"\n\n[[credentials]]\nname = "ydelse"\nkeys = ["password"]\n\n'
        '[[steps]]\nname = "main"\ntasks = "tasks/main.robot"\n',
        encoding="utf-8",
    )
    (folder / "tasks" / "main.robot").write_text(TASK.replace("EXPECTED", digest), encoding="utf-8")
    return folder


def test_run_reads_the_vault_and_no_argv_holds_the_secret_or_the_key(tmp_path):
    key, password = new_key(), f"Pw-{secrets.token_hex(12)}"
    url = f"sqlite:///{(tmp_path / 'rpa.db').as_posix()}"
    store = open_store(url)
    EncryptedVault.create(store, key).set("ydelse", "password", password)
    store.close()
    robot = _robot(tmp_path / "robot", hashlib.sha256(password.encode()).hexdigest())
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPA_")}
    env.update({"RPA_VAULT_KEY": encode_key(key), "XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    runner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rpa_core.cli.main",
            "run",
            str(robot),
            "--store",
            url,
            "--runs-dir",
            str(tmp_path / "r"),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: set[tuple[str, ...]] = set()  # every command line seen; a pid's changes when its fork execs
    parent = psutil.Process(runner.pid)
    while runner.poll() is None:
        try:
            for process in [parent, *parent.children(recursive=True)]:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                    seen.add(tuple(process.cmdline()))
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    output = runner.communicate(timeout=60)[0]
    assert runner.returncode == 0, output
    robots = [argv for argv in seen if "robot" in argv and "--dryrun" not in argv]
    assert robots, f"no Robot Framework child was seen: {sorted(seen)}"  # the step ran while we looked
    forms = {password, encode_key(key), encode_key(key).rstrip("="), key.hex()}
    for argv in seen:
        line = " ".join(argv)
        assert not [form for form in forms if form in line], argv
    assert password not in output
    for path in (tmp_path / "r").rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path
