import pytest

from crystal_palace.chemistry.names import name_key


@pytest.mark.parametrize("variant", ["α-PVP", "alpha-PVP", "a-PVP", "Alpha PVP", "ALPHA-pvp", "α PVP", "alphaPVP"])
def test_alpha_pvp_variants_share_a_key(variant):
    assert name_key(variant) == name_key("alpha-PVP")


def test_locants_keep_isomers_apart():
    assert name_key("3-MMC") != name_key("4-MMC")
    assert name_key("2C-B") == name_key("2CB") == name_key("2c b")


def test_beta_and_delta():
    assert name_key("β-keto-MDMA") == name_key("beta-keto-MDMA")
    assert name_key("Δ9-THC") == name_key("delta-9-THC")


def test_accents_and_primes():
    assert name_key("Méphédrone") == name_key("mephedrone")
    assert name_key("N,N′-dimethyl") == name_key("N,N'-dimethyl")
