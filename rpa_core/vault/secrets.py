"""The secret store behind the vault keywords: the store's encrypted vault, then a TOML file plus environment
overrides as the development fallback.

Precedence, secret by secret: when the store (``RPA_STORE_URL``, else ``.rpa/rpa.db``) has an encrypted vault
(``rpa vault init``) that holds the secret, the secret is the vault's, all of it: neither the file nor
``RPA_SECRET_*`` changes it. A secret the vault lacks comes from the fallback below (``rpa robot check
--production`` warns about each). A store with a vault but no key in any source refuses every lookup, naming the
sources (rpa_core.vault.keys).

Secret names and key names are case-insensitive: ``API_KEY``, ``api_key`` and ``Api_Key`` are one key, and a
listing shows the file's spelling. ``RPA_SECRET_<NAME>__<KEY>`` replaces the file's key whatever its case; in
``<NAME>`` (and ``<KEY>``) a ``_`` also stands for a ``-``, so ``RPA_SECRET_MY_SECRET__PASSWORD`` is the password
of ``my-secret`` when the file, the robot's declared credentials or the name asked for has ``my-secret``. When
both ``my-secret`` and ``my_secret`` exist the variable is ambiguous and refused. No message shows a value.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path

from rpa_core.errors import ConfigError, UserError

SECRETS_FILE_ENV = "RPA_SECRETS_FILE"
ENV_PREFIX = "RPA_SECRET_"
ENV_SEPARATOR = "__"
# The robot's declared credential names, comma separated; the runner sets it for each step.
DECLARED_SECRETS_ENV = "RPA_DECLARED_SECRETS"


class SecretNotFoundError(UserError):
    """No secret of that name in the file or the environment."""


class AmbiguousSecretError(UserError):
    """An environment variable that could mean two secrets (or two keys)."""


def default_secrets_file() -> Path:
    """``RPA_SECRETS_FILE`` or ``.rpa/secrets.toml`` in the working directory."""
    return Path(os.environ.get(SECRETS_FILE_ENV) or Path(".rpa") / "secrets.toml")


class SecretValues(MutableMapping[str, str]):
    """A secret's keys and values; keys are looked up case-insensitively and listed as first spelt."""

    def __init__(self, values: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, tuple[str, str]] = {}  # lower-case key -> (spelling, value)
        for key, value in dict(values).items():
            self[key] = value

    def __setitem__(self, key: str, value: str) -> None:
        spelling = self._items.get(key.lower(), (key, ""))[0]
        self._items[key.lower()] = (spelling, value)

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self._items[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (spelling for spelling, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:  # keys only: a value never reaches a log through repr()
        return f"SecretValues(keys=[{', '.join(self)}])"


def _env_form(name: str) -> str:
    """How a name is written in an environment variable: upper case, ``-`` as ``_``."""
    return name.upper().replace("-", "_")


def _match(written: str, candidates: Iterable[str], variable: str, what: str, fallback: str | None = None) -> str:
    """The candidate (secret or key name) that ``written`` (from ``variable``) means: the one equal to it when
    upper-cased with ``-`` as ``_``; else ``fallback`` or ``written`` lower-cased; AmbiguousSecretError for two."""
    names = {candidate.lower(): candidate for candidate in candidates}
    found = sorted(lower for lower in names if _env_form(lower) == written.upper())
    if len(found) > 1:
        raise AmbiguousSecretError(
            f"{variable}: ambiguous, it could mean {what} {' or '.join(repr(names[f]) for f in found)}; "
            "rename one of them"
        )
    return names[found[0]] if found else (fallback or written.lower())


class SecretStore:
    """Named secrets, each a mapping of keys (username, password, api_key, ...) to string values."""

    def __init__(
        self,
        path: Path | None = None,
        environ: Mapping[str, str] | None = None,
        declared: Iterable[str] | None = None,
        store_url: str | None = None,
    ) -> None:
        self.path = Path(path) if path else default_secrets_file()
        self._environ = os.environ if environ is None else environ
        self._store_url = store_url  # None: the environment's RPA_STORE_URL, else the default store
        if declared is None:
            declared = [n.strip() for n in self._environ.get(DECLARED_SECRETS_ENV, "").split(",") if n.strip()]
        self._declared = list(declared)

    def _from_file(self) -> dict[str, tuple[str, SecretValues]]:
        """Lower-case name -> (the file's spelling, its values)."""
        if not self.path.is_file():
            return {}
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{self.path}: not valid TOML: {exc}") from None
        secrets: dict[str, tuple[str, SecretValues]] = {}
        for name, values in data.items():
            if not isinstance(values, dict):
                raise ConfigError(f"{self.path}: '{name}' must be a table ([{name}]) of keys and values")
            if name.lower() in secrets:
                raise ConfigError(
                    f"{self.path}: [{secrets[name.lower()][0]}] and [{name}] are one secret "
                    "(names are case-insensitive); keep one"
                )
            entry = SecretValues()
            for key, value in values.items():
                if key in entry:
                    raise ConfigError(
                        f"{self.path}: [{name}]: keys '{next(k for k in entry if k.lower() == key.lower())}' and "
                        f"'{key}' are one key (keys are case-insensitive); keep one"
                    )
                entry[str(key)] = str(value)
            secrets[name.lower()] = (name, entry)
        return secrets

    def _overrides(self, file_names: Iterable[str], only: str | None = None) -> dict[str, list[tuple[str, str, str]]]:
        """``RPA_SECRET_<NAME>__<KEY>`` variables as lower-case secret name -> [(variable, written key, value)];
        with ``only``, just the variables that could mean that secret."""
        candidates = [*file_names, *self._declared]
        secrets: dict[str, list[tuple[str, str, str]]] = {}
        for variable, value in self._environ.items():
            if not variable.startswith(ENV_PREFIX) or ENV_SEPARATOR not in variable:
                continue
            name, _, key = variable[len(ENV_PREFIX) :].partition(ENV_SEPARATOR)
            if not name or not key or (only is not None and name.upper() != _env_form(only)):
                continue
            secret = _match(name, candidates, variable, "secret", fallback=only)
            secrets.setdefault(secret.lower(), []).append((variable, key, value))
        return secrets

    def names(self) -> list[str]:
        """Every secret's name: the vault's, then as the file spells it (an environment-only one in lower case)."""
        from rpa_core.vault.store_vault import vault_names

        file = self._from_file()
        spelt = {name.lower(): name for name in vault_names(self._store_url, self._environ)}
        for lower, (spelling, _) in file.items():
            spelt.setdefault(lower, spelling)
        for lower in self._overrides(spelt.values()):
            spelt.setdefault(lower, lower)
        return sorted(spelt.values(), key=str.lower)

    def get(self, name: str) -> SecretValues:
        """The secret's keys and values: the vault's when it holds the secret; else the file's, which the
        environment overrides key by key, whatever the case."""
        return self.lookup(name)[0]

    def lookup(self, name: str) -> tuple[SecretValues, str]:
        """The secret's keys and values (as :meth:`get`) and where they came from, for a description."""
        from rpa_core.vault.store_vault import vault_secret

        sealed = vault_secret(self._store_url, self._environ, name)
        if sealed is not None:
            return sealed, "from the encrypted vault"
        file = self._from_file()
        lower = name.lower()
        values = SecretValues(file[lower][1] if lower in file else {})
        overrides = self._overrides([spelling for spelling, _ in file.values()], only=name).get(lower, [])
        for variable, written, value in sorted(overrides):
            values[_match(written, list(values), variable, f"the key of secret '{name}'")] = value
        if not values:
            raise SecretNotFoundError(
                f"no secret named '{name}': `rpa vault set {lower} FIELD` adds it to the encrypted vault; "
                f"for development, add a [{lower}] table to {self.path} "
                f"or set {ENV_PREFIX}{_env_form(name)}{ENV_SEPARATOR}<KEY> variables"
            )
        return values, f"from {self.path} or the environment"

    def in_vault(self, name: str) -> bool:
        """Whether the store's encrypted vault holds the secret (else it comes from the development fallback)."""
        from rpa_core.vault.store_vault import vault_names

        return name.lower() in (found.lower() for found in vault_names(self._store_url, self._environ))


def login_of(credential: str, *, store_url: str | None = None) -> tuple[str, str]:
    """A login secret's username and password (empty when it lacks one), e.g. a mail server's
    (``mail_settings_from(values, login=login_of)``); its values are registered for masking."""
    from rpa_core.privacy import register_secrets

    values = SecretStore(store_url=store_url).get(credential)
    register_secrets(values)
    return values.get("username") or "", values.get("password") or ""
