import pytest

from crystal_palace.chemistry.cas import cas_check_digit, looks_like_cas, require_valid_cas
from crystal_palace.exceptions import InvalidInput


@pytest.mark.parametrize("cas", ["42542-10-9", "58-08-2", "50-00-0", "7647-01-0", "1189805-46-6"])
def test_real_cas_numbers_pass(cas):
    assert require_valid_cas(cas) == cas


@pytest.mark.parametrize("cas, expected", [("42542-10-8", 9), ("58-08-3", 2)])
def test_wrong_check_digit_is_named(cas, expected):
    with pytest.raises(InvalidInput) as err:
        require_valid_cas(cas, record="row 7")
    assert f"expected {expected}" in err.value.reason
    assert err.value.record == "row 7" and err.value.field == "cas"


@pytest.mark.parametrize("text", ["", "MDMA", "42542109", "4-2-1", "1234567890-12-3"])
def test_not_cas_shaped(text):
    assert not looks_like_cas(text)
    with pytest.raises(InvalidInput):
        require_valid_cas(text)


def test_leading_zeros_and_spaces_normalised():
    assert require_valid_cas(" 0058-08-2 ") == "58-08-2"
    assert cas_check_digit("5808") == 2
