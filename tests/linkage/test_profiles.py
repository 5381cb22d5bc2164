from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.linkage.profiles import normalise, profiles_from_records, read_profiles


def frame(**columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"sample_id": [f"s{i}" for i in range(len(next(iter(columns.values()))))], **columns})


def test_reads_a_dataframe_keeping_order_and_target_peaks() -> None:
    table = read_profiles(frame(P1=[1, 2], P2=[3, 4], P3=[5, 6]), peaks=["P3", "P1"])
    assert table.ids == ("s0", "s1")
    assert table.peaks == ("P3", "P1")
    assert table.values.tolist() == [[5.0, 1.0], [6.0, 2.0]]


def test_reads_a_csv_with_the_first_column_as_id_when_no_known_name(tmp_path) -> None:
    path = tmp_path / "profiles.csv"
    path.write_text("Specimen,V01,V02\nA,1,0\nB,0.5,0.5\n")
    table = read_profiles(path)
    assert table.ids == ("A", "B")
    assert table.source == str(path)
    path.write_text("code,V01\nA,1\n")
    assert read_profiles(path).ids == ("A",)


@pytest.mark.parametrize(("value", "reason"), [("x", "'x' is not a number"), ("-1", "must be a finite number >= 0"),
                                               ("", "missing peak area")])
def test_bad_areas_name_the_sample_and_the_peak(tmp_path, value: str, reason: str) -> None:
    path = tmp_path / "p.csv"
    path.write_text(f"sample_id,P1,P2\nok,1,2\nbad,{value},2\n")
    with pytest.raises(InvalidInput) as error:
        read_profiles(path)
    assert error.value.record == "bad"
    assert error.value.field == "P1"
    assert reason in error.value.reason


def test_missing_areas_can_be_read_as_not_detected(tmp_path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("sample_id,P1,P2\na,,2\n")
    assert read_profiles(path, missing="zero").values.tolist() == [[0.0, 2.0]]


def test_duplicate_ids_and_unknown_columns_are_refused() -> None:
    with pytest.raises(InvalidInput, match="duplicate sample id"):
        read_profiles(pd.DataFrame({"sample_id": ["a", "a"], "P1": [1, 2]}))
    with pytest.raises(InvalidInput, match="no peak column 'P9'"):
        read_profiles(frame(P1=[1]), peaks=["P9"])
    with pytest.raises(InvalidInput, match="no column 'nope'"):
        read_profiles(frame(P1=[1]), id_column="nope")


def test_normalisation_to_sum_and_to_max_without_changing_the_input() -> None:
    table = read_profiles(frame(P1=[1.0, 2.0], P2=[3.0, 2.0]))
    before = table.values.copy()
    assert np.allclose(normalise(table, "sum").values.sum(axis=1), 1.0)
    assert np.allclose(normalise(table, "max").values.max(axis=1), 1.0)
    assert normalise(table, "none") is table
    assert np.array_equal(table.values, before)


def test_an_all_zero_profile_cannot_be_normalised() -> None:
    table = read_profiles(frame(P1=[1.0, 0.0], P2=[3.0, 0.0]))
    with pytest.raises(InvalidInput) as error:
        normalise(table, "sum")
    assert error.value.record == "s1"
    with pytest.raises(InvalidInput, match="unknown normalisation"):
        normalise(table, "mean")  # type: ignore[arg-type]


def test_profiles_from_store_like_records() -> None:
    records = [{"sample_id": "a", "peaks": {"P2": 1.0, "P1": 2.0}}, {"sample_id": "b", "peaks": {"P1": 1.0}}]
    table = read_profiles(profiles_from_records(records), missing="zero")
    assert table.peaks == ("P1", "P2")
    assert table.values.tolist() == [[2.0, 1.0], [1.0, 0.0]]
    with pytest.raises(InvalidInput, match="missing peak area"):
        read_profiles(profiles_from_records(records))
