"""Personal data and secrets: CPR masking, the registry of secret values and citizens' names, ``mask_text``."""

from rpa_core.privacy.cpr import contains_cpr, mask_cpr
from rpa_core.privacy.files import mask_file
from rpa_core.privacy.registry import (
    NAME_TOKEN,
    SECRET_TOKEN,
    mask_data,
    mask_text,
    register_name,
    register_secret,
    register_secrets,
)

__all__ = [
    "NAME_TOKEN",
    "SECRET_TOKEN",
    "contains_cpr",
    "mask_cpr",
    "mask_data",
    "mask_file",
    "mask_text",
    "register_name",
    "register_secret",
    "register_secrets",
]
