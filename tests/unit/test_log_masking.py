"""What reaches a log line of a request: no number that names a person or a company."""

import pytest

from chalicelib.observability import masked_path, names_no_one


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/verification-requests/330523197503152111", "/verification-requests/***"),
        ("/units/33052319750315211X", "/units/***"),
        ("/units/3305021990%3001011236", "/units/***"),  # a digit percent-encoded
        ("/units/91330500MA2B3C4D5B", "/units/***"),  # a unified social credit code
        ("/units/13800138000", "/units/***"),  # a phone number
        (
            "/verification-requests/01KBX2Q7ZC3M4N5P6R7S8T9VWX",
            "/verification-requests/01KBX2Q7ZC3M4N5P6R7S8T9VWX",
        ),
        ("/proofs/PF-R001", "/proofs/PF-R001"),
    ],
)
def test_a_logged_path_masks_what_names_someone(path, logged):
    assert masked_path(path) == logged


@pytest.mark.parametrize(
    ("offered", "taken"),
    [
        ("01KBX2Q7ZC3M4N5P6R7S8T9VWX", True),
        ("3fa85f64-5717-4562-b3fc-2c963f66afa6", True),
        ("22010119900307447700000000", False),  # an ID number padded to a ULID's shape
        ("22010119-9003-0744-7700-000000000000", False),  # and dressed as a UUID
    ],
)
def test_a_correlation_id_that_hides_a_number_is_not_taken(offered, taken):
    assert names_no_one(offered) is taken
