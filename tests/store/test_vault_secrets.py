"""The secret store behind the vault keywords."""

import pytest

from rpa_core.errors import ConfigError
from rpa_core.vault import SecretNotFoundError, SecretStore


def test_file_secrets_with_environment_overrides(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('[Ydelse]\nusername = "robot"\npassword = "from-file"\n')
    store = SecretStore(path, environ={"RPA_SECRET_YDELSE__PASSWORD": "from-env", "RPA_SECRET_ESDH__API_KEY": "k"})
    assert store.get("ydelse") == {"username": "robot", "password": "from-env"}
    assert store.get("ESDH") == {"api_key": "k"}
    assert store.names() == ["esdh", "Ydelse"]  # as the file spells it


def test_missing_secret_says_where_to_put_it(tmp_path):
    with pytest.raises(SecretNotFoundError, match=r"add a \[nova\] table .* RPA_SECRET_NOVA__<KEY>"):
        SecretStore(tmp_path / "none.toml", environ={}).get("nova")


def test_malformed_secrets_file_names_the_file(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text("password = 'top level'\n")
    with pytest.raises(ConfigError, match=r"secrets\.toml: 'password' must be a table"):
        SecretStore(path, environ={}).get("x")
