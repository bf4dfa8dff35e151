"""Vault names and keys are case-insensitive; RPA_SECRET_<NAME>__<KEY> reaches names with '-'."""

import pytest

from rpa_core.errors import ConfigError
from rpa_core.keywords.vault_adapter import SecretStoreAdapter
from rpa_core.vault import AmbiguousSecretError, SecretStore


def _file(tmp_path, text: str):
    path = tmp_path / "secrets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_keys_are_case_insensitive_and_listed_as_spelt(tmp_path):
    store = SecretStore(_file(tmp_path, '[Esdh]\nAPI_KEY = "from-file"\nUser = "robot"\n'), environ={})
    values = store.get("ESDH")
    assert values["api_key"] == values["API_KEY"] == values["Api_Key"] == "from-file"
    assert "api_key" in values and values.get("user") == "robot"
    assert list(values) == ["API_KEY", "User"]
    assert store.names() == ["Esdh"]
    assert "from-file" not in repr(values)


def test_override_replaces_the_files_key_whatever_its_case(tmp_path):
    environ = {"RPA_SECRET_ESDH__API_KEY": "from-env", "RPA_SECRET_ESDH__EXTRA": "e"}
    store = SecretStore(_file(tmp_path, '[esdh]\nAPI_KEY = "from-file"\n'), environ=environ)
    assert dict(store.get("esdh")) == {"API_KEY": "from-env", "extra": "e"}


def test_dash_in_name_is_underscore_in_the_variable(tmp_path):
    environ = {"RPA_SECRET_MY_SECRET__PASSWORD": "new"}
    store = SecretStore(_file(tmp_path, '[my-secret]\nusername = "u"\npassword = "old"\n'), environ=environ)
    assert dict(store.get("My-Secret")) == {"username": "u", "password": "new"}
    assert store.names() == ["my-secret"]


def test_declared_or_asked_name_with_dash_is_found_in_the_environment(tmp_path):
    environ = {"RPA_SECRET_API_TOKEN__KEY": "k"}
    declared = SecretStore(tmp_path / "none.toml", environ=environ, declared=["api-token"])
    assert declared.names() == ["api-token"] and dict(declared.get("api-token")) == {"key": "k"}
    from_runner = SecretStore(tmp_path / "none.toml", environ={**environ, "RPA_DECLARED_SECRETS": "x,api-token"})
    assert from_runner.names() == ["api-token"]
    assert dict(SecretStore(tmp_path / "none.toml", environ=environ).get("api-token")) == {"key": "k"}


def test_ambiguous_variable_is_refused_naming_both_never_the_value(tmp_path):
    path = _file(tmp_path, '[my-secret]\npassword = "a"\n[my_secret]\npassword = "b"\n')
    store = SecretStore(path, environ={"RPA_SECRET_MY_SECRET__PASSWORD": "s3cr3t-value"})
    with pytest.raises(AmbiguousSecretError) as caught:
        store.get("my-secret")
    message = str(caught.value)
    assert "RPA_SECRET_MY_SECRET__PASSWORD" in message and "'my-secret'" in message and "'my_secret'" in message
    assert "s3cr3t-value" not in message and "\n" not in message
    declared = SecretStore(tmp_path / "none.toml", environ={"RPA_SECRET_A_B__K": "v"}, declared=["a-b", "a_b"])
    with pytest.raises(AmbiguousSecretError, match="'a-b' or 'a_b'"):
        declared.get("a-b")
    assert dict(SecretStore(path, environ={}).get("my_secret")) == {"password": "b"}  # no variable: no question


def test_one_name_or_key_twice_in_the_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"\[API\] and \[api\] are one secret"):
        SecretStore(_file(tmp_path, '[API]\nk = "1"\n[api]\nk = "2"\n'), environ={}).get("api")
    with pytest.raises(ConfigError, match="keys 'Key' and 'KEY' are one key") as caught:
        SecretStore(_file(tmp_path, '[api]\nKey = "one-value"\nKEY = "two-value"\n'), environ={}).get("api")
    assert "value" not in str(caught.value).replace("one key", "")


def test_vault_adapter_secret_is_a_case_insensitive_mapping(tmp_path, monkeypatch):
    monkeypatch.setenv("RPA_SECRETS_FILE", str(_file(tmp_path, '[Esdh]\nAPI_KEY = "k"\n')))
    monkeypatch.setenv("RPA_SECRET_ESDH__USERNAME", "robot")
    secret = SecretStoreAdapter().get_secret("esdh")
    assert secret.name == "esdh"
    assert secret["api_key"] == secret["API_KEY"] == "k" and "Api_Key" in secret
    assert list(secret.keys()) == ["API_KEY", "username"] and secret["USERNAME"] == "robot"
    assert "k" not in repr(secret).replace("keys", "").replace("API_KEY", "")
