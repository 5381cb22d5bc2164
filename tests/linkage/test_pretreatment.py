from __future__ import annotations

import numpy as np
import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.linkage.pretreatment import PRETREATMENTS, pretreat, pretreatment_name


def test_each_pretreatment_on_known_values() -> None:
    x = np.array([[0.0, 1.0, 16.0]])
    assert pretreat(x, "none").tolist() == [[0.0, 1.0, 16.0]]
    assert pretreat(x, "sqrt").tolist() == [[0.0, 1.0, 4.0]]
    assert pretreat(x, "fourth_root").tolist() == [[0.0, 1.0, 2.0]]
    assert np.allclose(pretreat(x, "log1p"), [[0.0, np.log(2.0), np.log(17.0)]])


def test_pretreatments_compress_large_peaks_more_than_small_ones() -> None:
    x = np.array([[0.01, 0.99]])
    ratios = [pretreat(x, name)[0, 1] / pretreat(x, name)[0, 0] for name in ("none", "sqrt", "fourth_root")]
    assert ratios[0] > ratios[1] > ratios[2]


def test_input_is_not_changed() -> None:
    x = np.array([[4.0, 9.0]])
    pretreat(x, "sqrt")
    assert x.tolist() == [[4.0, 9.0]]


@pytest.mark.parametrize(("alias", "name"), [("square_root", "sqrt"), ("Root4", "fourth_root"),
                                             ("4th-root", "fourth_root"), ("log", "log1p")])
def test_aliases(alias: str, name: str) -> None:
    assert pretreatment_name(alias) == name


def test_unknown_pretreatment_lists_the_choices() -> None:
    with pytest.raises(InvalidInput) as error:
        pretreat(np.zeros((1, 2)), "cube_root")
    assert error.value.field == "pretreatment"
    assert all(name in error.value.reason for name in PRETREATMENTS)
