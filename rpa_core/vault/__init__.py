"""Credentials for robots: read from a TOML file kept outside the robot's folder, or from the environment.

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
)

__all__ = ["AmbiguousSecretError", "SecretNotFoundError", "SecretStore", "SecretValues", "default_secrets_file"]
