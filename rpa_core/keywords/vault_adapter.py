"""rpaframework's ``RPA.Robocorp.Vault`` backed by our secret store (``RPA_SECRET_MANAGER`` points here)."""

from __future__ import annotations

from collections.abc import Mapping

from RPA.Robocorp.Vault import BaseSecretManager, Secret

from rpa_core.privacy import register_secrets
from rpa_core.vault import SecretStore, SecretValues

ADAPTER_PATH = "rpa_core.keywords.vault_adapter.SecretStoreAdapter"


class CaseInsensitiveSecret(Secret):
    """rpaframework's ``Secret`` (a mapping; ``${secret}[api_key]`` in tasks) over the store's ``SecretValues``:
    ``API_KEY``, ``api_key`` and ``Api_Key`` are one key; listing its keys shows the file's spelling."""

    def __init__(self, name: str, description: str, values: Mapping[str, str]) -> None:
        super().__init__(name, description, {})
        self._dict = SecretValues(values)


class SecretStoreAdapter(BaseSecretManager):
    """Reads secrets from ``.rpa/secrets.toml`` (or ``RPA_SECRETS_FILE``) and ``RPA_SECRET_<NAME>__<KEY>``."""

    def __init__(self, *args, **kwargs) -> None:
        self.store = SecretStore()

    def get_secret(self, secret_name: str) -> Secret:
        """The secret under the name the robot asks for (names and keys are case-insensitive); its values (not
        the account name) are registered for masking (``***`` in every log of this process) before the robot
        sees them."""
        values, source = self.store.lookup(secret_name)
        register_secrets(values)
        return CaseInsensitiveSecret(secret_name, source, values)

    def set_secret(self, secret: Secret) -> None:
        raise NotImplementedError(
            "secrets are written by an administrator, not by robots: `rpa vault set NAME FIELD` "
            f"(or, in development, {self.store.path})"
        )
