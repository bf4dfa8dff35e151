"""The registry of secret values and names, and mask_text: secrets, then names, then CPR numbers."""

from __future__ import annotations

import threading

import pytest

from rpa_core.privacy import NAME_TOKEN, SECRET_TOKEN, mask_data, mask_file, mask_text, register_secrets
from rpa_core.privacy.payloads import name_fields, register_payload_names
from rpa_core.privacy.registry import MIN_LENGTH, REGISTRY, SensitiveTexts


@pytest.fixture(autouse=True)
def empty_registry():
    REGISTRY.clear()
    yield
    REGISTRY.clear()


def test_secrets_names_and_cpr_are_masked_in_one_pass():
    REGISTRY.add_secret("s3cret-Pa55")
    REGISTRY.add_name("Jens Peter Hansen")
    text = "login robot/s3cret-Pa55 for JENS  peter\nHansen (100570-1234)"
    assert mask_text(text) == f"login robot/{SECRET_TOKEN} for {NAME_TOKEN} ({'100570-XXXX'})"


def test_overlapping_and_nested_values_leave_no_part_of_either():
    REGISTRY.add_secret("abcdef")
    REGISTRY.add_secret("defghi")
    REGISTRY.add_secret("abcdefghijkl")  # contains both
    assert mask_text("x abcdefghi y") == "x *** y"  # two overlapping: their union goes
    assert mask_text("abcdefghijkl") == "***"
    assert mask_text("defghiabcdef") == "***"  # adjacent: one token


def test_short_values_are_ignored_and_names_match_whole_words_only():
    assert not REGISTRY.add_secret("abc") and MIN_LENGTH == 4
    assert not REGISTRY.add_name("Bo")
    REGISTRY.add_name("Anne Li")
    assert mask_text("abc Bo") == "abc Bo"
    assert mask_text("Anne Li, Marianne Lind, Anne Lise") == f"{NAME_TOKEN}, Marianne Lind, Anne Lise"
    assert REGISTRY.secret_count == 0 and REGISTRY.name_count >= 1


def test_escaped_forms_of_a_secret_are_masked_too():
    REGISTRY.add_secret("p&ss<word>'x")
    assert mask_text("xml: p&amp;ss&lt;word&gt;'x") == "xml: ***"
    assert mask_text(repr({"password": "p&ss<word>'x"})) == "{'password': \"***\"}"
    REGISTRY.add_secret("C:\\keys\\k3y")  # a repr doubles the backslashes
    assert mask_text(repr(["C:\\keys\\k3y"])) == "['***']"
    assert mask_text("url: p%26ss%3Cword%3E%27x") == "url: ***"


def test_mask_data_and_mask_file(tmp_path):
    REGISTRY.add_secret("topsecret")
    REGISTRY.add_name("Søren Ærø")
    assert mask_data({"k": ["topsecret", ("søren ærø",)], "topsecret": 1}) == {"k": ["***", ("[navn]",)], "***": 1}
    path = tmp_path / "output.xml"
    path.write_text('<msg level="INFO">Søren Ærø topsecret 0101901234</msg>', encoding="utf-8")
    assert mask_file(path)
    assert path.read_text(encoding="utf-8") == '<msg level="INFO">[navn] *** 010190-XXXX</msg>'
    assert not mask_file(path) and not mask_file(tmp_path / "missing.xml")


def test_a_secret_that_is_an_xml_word_leaves_output_xml_valid(tmp_path):
    from xml.etree import ElementTree

    register_secrets(["robot", "status-k0de"])  # a password may be any word
    register_secrets({"username": "svc-ydelse", "password": "msg-pass"})
    assert mask_text("svc-ydelse msg-pass") == "svc-ydelse ***", "the account name is not a secret"
    path = tmp_path / "output.xml"
    path.write_text('<robot generator="x"><msg level="INFO">robot status-k0de</msg><kw name="robot"/></robot>')
    assert mask_file(path)
    masked = path.read_text(encoding="utf-8")
    assert masked == '<robot generator="x"><msg level="INFO">*** ***</msg><kw name="***"/></robot>'
    ElementTree.fromstring(masked)
    log = tmp_path / "console.log"
    log.write_text("<robot> robot\n", encoding="utf-8")
    assert mask_file(log) and log.read_text(encoding="utf-8") == "<***> ***\n", "plain text: masked everywhere"


def test_registration_is_thread_safe_while_masking():
    registry = SensitiveTexts()
    errors: list[BaseException] = []

    def add(offset: int) -> None:
        try:
            for i in range(200):
                registry.add_name(f"Borger Nummer{offset * 1000 + i}")
                registry.mask("Borger Nummer5 og Borger Nummer1005")
        except BaseException as exc:  # pragma: no cover - would fail the test
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and registry.name_count == 800
    assert registry.mask("Borger Nummer5 og Borger Nummer1005") == "[navn] og [navn]"


def test_payload_names_from_declared_or_default_fields():
    payload = {"cpr": "100570-1234", "Navn": "Karen Blixen", "family": [{"name": "Thomas Dinesen"}], "by": "Rungsted"}
    assert register_payload_names(payload) == 2
    assert mask_text("Karen Blixen og Thomas Dinesen i Rungsted") == "[navn] og [navn] i Rungsted"
    assert register_payload_names({"by": "Rungsted"}, fields=["by"]) == 1
    assert name_fields({"RPA_PRIVACY_NAME_FIELDS": "borger, Fornavn "}) == {"borger", "fornavn"}
    assert "navn" in name_fields({})


def test_mask_text_overhead_per_message():
    """Measured figure for the report: the listener calls mask_text for every message."""
    import time

    message = "Claimed work item 17 (flexloen:100570-1234:2024-11), attempt 1 " * 3
    REGISTRY.add_secret("s3cret-Pa55")
    for i in range(300):
        REGISTRY.add_name(f"Fornavn{i} Efternavn{i}")
    mask_text(message)  # compile
    start = time.perf_counter()
    for _ in range(2000):
        mask_text(message)
    per_message = (time.perf_counter() - start) / 2000
    print(f"mask_text: {per_message * 1e6:.1f} us per 190-character message, 1 secret and 300 names registered")
    assert per_message < 0.005
