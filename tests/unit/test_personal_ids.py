"""Resident ID numbers: format, date and check digit; never the area-code history."""

import pytest
from stdnum.cn import ric

from chalicelib.domain.personal_ids import mask_name, mask_number, normalise_resident_id

# Born 1962 in Deqing, carrying area code 330521, assigned in 1983.
DEQING_1962 = "330521196201010014"


def test_a_real_id_with_a_later_area_code_is_accepted_though_stdnum_refuses_it():
    assert not ric.is_valid(DEQING_1962)
    assert normalise_resident_id(DEQING_1962) == DEQING_1962


def test_lower_case_x_check_digit_is_normalised():
    base = "11010519491231002"
    assert ric.calc_check_digit(base + "0") == "X"
    assert normalise_resident_id(base + "x") == base + "X"


@pytest.mark.parametrize(
    "number",
    [
        "330521196201010015",  # wrong check digit
        "330521196202300019",  # 30 February
        "33052119620101001",  # 17 characters
        "030521196201010014",  # leading zero
        "3305211962010100AA",
    ],
)
def test_malformed_numbers_are_refused(number):
    assert normalise_resident_id(number) is None


def test_a_birth_date_in_the_future_is_refused():
    base = "33052120990101001"
    assert normalise_resident_id(base + ric.calc_check_digit(base + "0")) is None


def test_masks_keep_six_and_four_characters_and_the_surname():
    assert mask_number(DEQING_1962) == "330521********0014"
    assert (mask_name("王小明"), mask_name("欧阳修"), mask_name("李四")) == ("王**", "欧阳*", "李*")
