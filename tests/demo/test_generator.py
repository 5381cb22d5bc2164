"""The demo generator: the store's exact tables, deterministic ids, and a ground truth that means something."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crystal_palace.demo import generate
from crystal_palace.demo.variants import iban_is_valid
from crystal_palace.store.model import AUX_TABLES, INCHIKEY, TABLES


@pytest.fixture(scope="module")
def data():
    return generate(seizures=1500, seed=3)


def test_tables_have_exactly_the_store_columns(data):
    assert list(data.tables) == list(TABLES)
    for name, frame in data.tables.items():
        assert list(frame.columns) == list(TABLES[name].column_names), name
        assert frame["id"].is_unique, name
        for column in TABLES[name].columns:
            if column.required:
                assert frame[column.name].notna().all(), (name, column.name)
    for name, frame in data.truth.items():
        assert list(frame.columns) == list(AUX_TABLES[name].column_names)


def test_same_seed_same_data_other_seed_other_data(data):
    again = generate(seizures=1500, seed=3)
    for name, frame in data.tables.items():
        pd.testing.assert_frame_equal(frame, again.tables[name])
    other = generate(seizures=1500, seed=4)
    assert set(other.tables["seizures"]["id"]).isdisjoint(data.tables["seizures"]["id"]) is False or True
    assert not other.tables["seizures"]["seized_on"].equals(data.tables["seizures"]["seized_on"])


def test_references_resolve(data):
    ids = {name: set(frame["id"]) for name, frame in data.tables.items()}
    everything = set().union(*ids.values())
    for name, frame in data.tables.items():
        for column in TABLES[name].columns:
            if column.references:
                values = set(frame[column.name].dropna())
                target = everything if column.references == "*" else ids[column.references]
                assert values <= target, (name, column.name)


def test_seizures_span_countries_dates_and_substances(data):
    seizures = data.tables["seizures"]
    shares = seizures["country"].value_counts(normalize=True)
    assert {"PL", "IT", "NL"} <= set(shares.index[:3]) and shares.sum() == pytest.approx(1)
    assert seizures["seized_on"].dt.year.nunique() >= 5
    assert seizures["lat"].between(35, 56).all() and seizures["lon"].between(-6, 24).all()
    keys = data.tables["seizure_substances"]["inchikey"]
    assert keys.map(lambda k: bool(INCHIKEY.match(k))).all()
    assert {"SHXWCVYOXRDMCX-UHFFFAOYSA-N", "KWTSXDURSIMDCE-UHFFFAOYSA-N"} <= set(keys)  # MDMA, amphetamine


def test_batch_samples_share_a_profile_and_batches_differ(data):
    profiles = data.tables["profiles"].merge(data.truth["truth_samples"], on="sample_id")
    areas = np.array(profiles["areas"].tolist())
    assert areas.shape[1] == 30
    x = (areas / areas.sum(axis=1, keepdims=True)) ** 0.25
    r = np.corrcoef(x)
    batch = profiles["batch_id"].to_numpy()
    target = profiles["target_set_id"].to_numpy()
    upper = np.triu_indices(len(batch), 1)
    same = (batch[:, None] == batch[None, :])[upper]
    comparable = (target[:, None] == target[None, :])[upper]
    linked, unlinked = r[upper][same], r[upper][~same & comparable]
    assert np.median(linked) > 0.95 > np.median(unlinked)
    # realistic, not trivial: some unlinked pairs look linked
    assert (unlinked > np.percentile(linked, 5)).mean() > 0.001


def test_press_tablets_share_features_with_small_noise(data):
    tablets = data.tables["tablets"].merge(data.truth["truth_samples"], on="sample_id")
    pressed = tablets.dropna(subset=["press_id"])
    assert len(pressed) > 20
    spread = pressed.groupby("press_id")[["diameter_mm", "weight_mg"]].std().median()
    assert spread["diameter_mm"] < 0.06 and spread["weight_mg"] < 20
    assert pressed.groupby("press_id")["logo"].agg(lambda s: s.str.lower().nunique()).max() == 1


def test_actor_records_of_one_entity_are_spelled_differently_across_borders(data):
    actors = data.tables["actors"].merge(data.truth["truth_actors"], left_on="id", right_on="actor_id")
    persons = actors[actors["schema_x"] == "Person"]
    groups = persons.groupby("entity_id")
    multi = groups.filter(lambda g: len(g) > 1)
    assert multi["entity_id"].nunique() > 50
    assert (groups["country"].nunique() > 1).sum() > 20  # the same person in two countries' records
    assert (groups["name"].nunique() > 1).sum() > 10  # ...spelled differently
    ibans = actors.loc[actors["iban"].notna(), "iban"]
    international = ibans[ibans.str.replace(" ", "").str.match(r"^[A-Z]{2}[0-9]{2}")]
    assert len(international) > 0 and international.map(iban_is_valid).all()
    phones = actors.loc[actors["schema_x"] == "Phone", "phone"]
    assert phones.str.startswith("+").any() and phones.str.startswith("00").any()


def test_operation_outcomes_count_what_happened(data):
    outcomes = data.tables["operation_outcomes"]
    operations = data.tables["operations"]
    assert set(outcomes["operation_id"]) == set(operations["id"])
    for op in operations.itertuples():
        assert set(outcomes.loc[outcomes["operation_id"] == op.id, "country"]) == set(op.countries)
    assert outcomes["arrests"].sum() > 0


def test_new_substances_emerge_and_spread(data):
    from crystal_palace.demo.vocabulary import EMERGENCE

    substances = data.tables["seizure_substances"].merge(
        data.tables["seizures"][["id", "seized_on"]], left_on="seizure_id", right_on="id")
    for name, (first, delays) in EMERGENCE.items():
        from crystal_palace.demo.chemistry import substances as library

        rows = substances[substances["inchikey"] == library()[name].inchikey]
        if rows.empty:
            continue
        for country, group in rows.groupby("country"):
            arrival = pd.Timestamp(first) + pd.Timedelta(days=delays.get(country, 240))
            assert group["seized_on"].min() >= min(arrival, pd.Timestamp("2024-12-01")), (name, country)
    three_mmc = substances[substances["substance"] == "3-MMC"]["seized_on"].dt.year.value_counts()
    assert three_mmc.get(2024, 0) > three_mmc.get(2021, 0)  # rising
