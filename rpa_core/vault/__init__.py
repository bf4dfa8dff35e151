"""Credentials for robots: the store's encrypted vault first, then a development fallback.

The vault (``rpa vault init|set|get|ls|rm|rotate-key|import``; rpa_core.vault.store_vault) seals each secret's
fields with AES-256-GCM (rpa_core.vault.crypto); its key comes from RPA_VAULT_KEY, RPA_VAULT_KEY_FILE, the
default key file or the OS keyring (rpa_core.vault.keys). A secret the vault holds is served from it alone.
A secret it lacks comes from the fallback below, for development (``rpa robot check --production`` warns):

    # .rpa/secrets.toml (or the file RPA_SECRETS_FILE names); never committed
    [ydelse]
    username = "robot"
    password = "..."

Environment variables override the file: ``RPA_SECRET_YDELSE__PASSWORD=...`` sets ``password`` of secret
``ydelse``. Names and keys are case-insensitive, and ``_`` in the variable also stands for ``-`` in a name
(``RPA_SECRET_MY_SECRET__PASSWORD`` for ``my-secret``). Robot Framework tasks read them with rpaframework's
``RPA.Robocorp.Vault`` keywords (``Get Secret    ydelse``), which the runner points at this store.
"""

from rpa_core.vault.secrets import (
    AmbiguousSecretError,
    SecretNotFoundError,
    SecretStore,
    SecretValues,
    default_secrets_file,
    login_of,
)

__all__ = [
    "AmbiguousSecretError",
    "SecretNotFoundError",
    "SecretStore",
    "SecretValues",
    "default_secrets_file",
    "login_of",
]
