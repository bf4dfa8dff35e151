"""Personal data: the one CPR masking function and the Robot Framework listener that applies it."""

from rpa_core.privacy.cpr import contains_cpr, mask_cpr, mask_text_file, mask_value

__all__ = ["contains_cpr", "mask_cpr", "mask_text_file", "mask_value"]
