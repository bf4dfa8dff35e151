"""The secret store behind the vault keywords: a TOML file plus environment overrides."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from rpa_core.errors import ConfigError, UserError

SECRETS_FILE_ENV = "RPA_SECRETS_FILE"
ENV_PREFIX = "RPA_SECRET_"
ENV_SEPARATOR = "__"


class SecretNotFoundError(UserError):
    """No secret of that name in the file or the environment."""


def default_secrets_file() -> Path:
    """``RPA_SECRETS_FILE`` or ``.rpa/secrets.toml`` in the working directory."""
    return Path(os.environ.get(SECRETS_FILE_ENV) or Path(".rpa") / "secrets.toml")


class SecretStore:
    """Named secrets, each a mapping of keys (username, password, api_key, ...) to string values."""

    def __init__(self, path: Path | None = None, environ: Mapping[str, str] | None = None) -> None:
        self.path = Path(path) if path else default_secrets_file()
        self._environ = os.environ if environ is None else environ

    def _from_file(self) -> dict[str, dict[str, str]]:
        if not self.path.is_file():
            return {}
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{self.path}: not valid TOML: {exc}") from None
        secrets: dict[str, dict[str, str]] = {}
        for name, values in data.items():
            if not isinstance(values, dict):
                raise ConfigError(f"{self.path}: '{name}' must be a table ([{name}]) of keys and values")
            secrets[name.lower()] = {str(k): str(v) for k, v in values.items()}
        return secrets

    def _from_environment(self) -> dict[str, dict[str, str]]:
        secrets: dict[str, dict[str, str]] = {}
        for variable, value in self._environ.items():
            if not variable.startswith(ENV_PREFIX) or ENV_SEPARATOR not in variable:
                continue
            name, _, key = variable[len(ENV_PREFIX) :].partition(ENV_SEPARATOR)
            if name and key:
                secrets.setdefault(name.lower(), {})[key.lower()] = value
        return secrets

    def names(self) -> list[str]:
        return sorted(set(self._from_file()) | set(self._from_environment()))

    def get(self, name: str) -> dict[str, str]:
        """The secret's keys and values; the environment overrides the file key by key."""
        key = name.lower()
        values = dict(self._from_file().get(key, {}))
        values.update(self._from_environment().get(key, {}))
        if not values:
            raise SecretNotFoundError(
                f"no secret named '{name}': add a [{key}] table to {self.path} "
                f"or set {ENV_PREFIX}{key.upper()}{ENV_SEPARATOR}<KEY> variables"
            )
        return values
