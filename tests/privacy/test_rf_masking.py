"""Secrets, citizens' names and CPR numbers stay out of a Robot Framework run's output.xml and console.

One plain ``python -m robot`` child with our listener at ``--loglevel TRACE`` (Robot Framework logs every library
keyword's arguments and return value there): the task reads a secret through rpaframework's Vault keywords (our
adapter), a work item whose payload holds a name (our queue adapter), and a Payment from the systems models, and
logs, passes and fails with all of them.
"""

from __future__ import annotations

import os
import subprocess
import sys

from rpa_core import context
from rpa_core.queue import WorkQueue, get_item, latest_attempts
from rpa_core.store import open_store

PASSWORD = "Hemmeligt-Kodeord-42"
API_KEY = "k3y-0f-the-esdh"
PAYLOAD_NAME = "Thomas Dinesen"
PAYMENT_NAME = "Karen Blixen"
CPR = "100570-1234"
USERNAME = "svc-ydelse"
# A stand-in for a system adapter: the name comes from the system, not from the robot's own source.
LIBRARY = f"""\
from rpa_core.systems.models import Payment


def read_payment() -> Payment:
    return Payment(payment_id="B0000010", cpr="{CPR}", name="{PAYMENT_NAME}", payment_month="2024-11", status="PENDING")
"""

SUITE = """\
*** Settings ***
Library    RPA.Robocorp.Vault
Library    RPA.Robocorp.WorkItems
Library    rpa_core.keywords.items.ItemKeywords
Library    citizens.py

*** Tasks ***
Handle One Citizen
    ${secret}    Get Secret    ydelse
    ${key}    Get Secret    esdh
    Log    password is ${secret}[password], key ${key}[api_key]
    Log In To The System    ${secret}[username]    ${secret}[password]
    ${payload}    Get Work Item Payload
    Log    Borger ${payload}[navn] (${payload}[cpr])    level=WARN
    ${payment}    Read Payment
    Log    ${payment} for ${payment.name}
    Set Work Item Result    seen=${payment.name} and ${payload}[navn]
    Fail    NO_LOGIN: ${payment.name} / ${payload}[navn] could not log in with ${secret}[password]

*** Keywords ***
Log In To The System
    [Arguments]    ${username}    ${password}
    Log    ${username} logs in with ${password}
"""


def test_no_secret_name_or_cpr_in_output_xml_console_or_the_store(tmp_path):
    store_url = f"sqlite:///{(tmp_path / 'store.db').as_posix()}"
    store = open_store(store_url)
    queue = WorkQueue(store, "people")
    item, _ = queue.create("person-1", {"navn": PAYLOAD_NAME, "cpr": CPR})
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[ydelse]\nusername = "{USERNAME}"\npassword = "{PASSWORD}"\n', encoding="utf-8")
    (tmp_path / "citizens.py").write_text(LIBRARY, encoding="utf-8")
    (tmp_path / "t.robot").write_text(SUITE, encoding="utf-8")
    env = {
        **os.environ,
        context.STORE_URL: store_url,
        context.INPUT_QUEUE: "people",
        context.WORKITEMS_ADAPTER: context.ADAPTER_PATH,
        context.SECRET_MANAGER: context.VAULT_ADAPTER_PATH,
        context.SECRETS_FILE: str(secrets),
        "RPA_SECRET_ESDH__API_KEY": API_KEY,
        context.PRIVACY_NAME_FIELDS: "navn",
        context.MAX_ATTEMPTS: "1",
    }
    output = tmp_path / "output.xml"
    command = [sys.executable, "-m", "robot", "--rpa", "--loglevel", "TRACE", "--output", str(output)]
    command += ["--log", "NONE", "--report", "NONE", "--console", "verbose", "--consolecolors", "off"]
    command += ["--listener", "rpa_core.privacy.listener.CprMaskingListener", str(tmp_path / "t.robot")]
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    xml = output.read_text(encoding="utf-8")
    console = done.stdout + done.stderr
    assert done.returncode == 1, console
    assert "NO_LOGIN: [navn] / [navn] could not log in with ***" in console and "Borger [navn]" in console
    assert "NO_LOGIN: [navn] / [navn] could not log in with ***" in xml, "the task ran to its failure"
    assert "${payment} = Payment(B0000010)" in xml and "Payment(B0000010) for [navn]" in xml
    # TRACE logs the user keyword's arguments: the password masked, the account name (not a secret) as it is.
    assert f"Arguments: [ ${{username}}='{USERNAME}' | ${{password}}='***' ]" in xml
    assert f"{USERNAME} logs in with ***" in xml
    for clear in (PASSWORD, API_KEY, PAYLOAD_NAME, PAYMENT_NAME, CPR, "1005701234"):
        assert clear not in xml, f"{clear} in output.xml"
        assert clear not in console, f"{clear} on the console"
    stored, attempt = get_item(store, item.id), latest_attempts(store, [item.id])[item.id]
    assert stored.last_message == attempt.message == "NO_LOGIN: [navn] / [navn] could not log in with ***"
    assert attempt.result == {"seen": "[navn] and [navn]"}, "the stored result is masked too"
    store.close()
