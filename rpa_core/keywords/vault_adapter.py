"""rpaframework's ``RPA.Robocorp.Vault`` backed by our secret store (``RPA_SECRET_MANAGER`` points here)."""

from __future__ import annotations

from RPA.Robocorp.Vault import BaseSecretManager, Secret

from rpa_core.vault import SecretStore

ADAPTER_PATH = "rpa_core.keywords.vault_adapter.SecretStoreAdapter"


class SecretStoreAdapter(BaseSecretManager):
    """Reads secrets from ``.rpa/secrets.toml`` (or ``RPA_SECRETS_FILE``) and ``RPA_SECRET_<NAME>__<KEY>``."""

    def __init__(self, *args, **kwargs) -> None:
        self.store = SecretStore()

    def get_secret(self, secret_name: str) -> Secret:
        return Secret(secret_name, f"from {self.store.path} or the environment", self.store.get(secret_name))

    def set_secret(self, secret: Secret) -> None:
        raise NotImplementedError(
            f"secrets are written by an administrator into the secrets file, not by robots: edit {self.store.path}"
        )
