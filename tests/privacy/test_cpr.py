"""The one CPR masking function."""

import pytest

from rpa_core.privacy import contains_cpr, mask_cpr, mask_data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("010190-1234", "010190-XXXX"),
        ("0101901234", "010190-XXXX"),
        ("311299 4321", "311299-XXXX"),
        ("cpr=0101901234;", "cpr=010190-XXXX;"),
        ("flexloen:2512851237:2026-11", "flexloen:251285-XXXX:2026-11"),
        ("two: 010190-1234 and 020291-5678", "two: 010190-XXXX and 020291-XXXX"),
    ],
)
def test_cpr_shapes_are_masked(text, expected):
    assert mask_cpr(text) == expected
    assert not contains_cpr(mask_cpr(text))


@pytest.mark.parametrize(
    "text",
    [
        "amount 1234567890",  # month 45: not a date
        "id 99010190123456",  # part of a longer number
        "320190-1234",  # day 32
        "011390-1234",  # month 13
        "010190-XXXX",  # already masked
        "",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_cpr(text) == text


def test_mask_data_reaches_into_containers():
    value = {"cpr": "0101901234", "list": ["020291-5678", 5], "0101901234": ("x",)}
    assert mask_data(value) == {"cpr": "010190-XXXX", "list": ["020291-XXXX", 5], "010190-XXXX": ("x",)}
