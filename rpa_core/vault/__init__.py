"""Credentials for robots: read from a TOML file kept outside the robot's folder, or from the environment.

    # .rpa/secrets.toml (or the file RPA_SECRETS_FILE names); never committed
    [ydelse]
    username = "robot"
    password = "..."

Environment variables override the file: ``RPA_SECRET_YDELSE__PASSWORD=...`` sets ``password`` of secret
``ydelse``. Robot Framework tasks read them with rpaframework's ``RPA.Robocorp.Vault`` keywords
(``Get Secret    ydelse``), which the runner points at this store.
"""

from rpa_core.vault.secrets import SecretNotFoundError, SecretStore, default_secrets_file

__all__ = ["SecretNotFoundError", "SecretStore", "default_secrets_file"]
