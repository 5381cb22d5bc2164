import json

import pandas as pd
import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.linkage.actors import RunOptions, choose_blocking, estimate_pairs, run_splink
from crystal_palace.linkage.actors_backends import open_engine
from crystal_palace.linkage.actors_explain import comparisons_from_model
from crystal_palace.linkage.actors_records import as_frame, prepare, record_ids

PEOPLE = [
    # one Polish courier written four ways across three countries
    {"id": "pl-1", "first_name": "Paweł", "surname": "Wiśniewski", "dob": "12.03.1985", "city": "Łódź"},
    {"id": "nl-7", "first_name": "Pawel", "surname": "Wisniewski", "dob": "1985-03-12", "city": "Lodz"},
    {"id": "it-3", "name": "WISNIEWSKI Pawel", "dob": "12/03/1985"},
    {"id": "pl-9", "first_name": "Paweł", "surname": "Wiśniewsky", "dob": "19850312", "city": "Lodz"},
    # a Ukrainian driver in Cyrillic and in transliteration
    {"id": "pl-4", "first_name": "Олександр", "surname": "Шевченко", "dob": "1990-07-01"},
    {"id": "nl-2", "first_name": "Oleksandr", "surname": "Shevchenko", "dob": "01-07-1990"},
    # a nickname
    {"id": "it-8", "first_name": "Giuseppe", "surname": "Esposito", "dob": "1971-11-23", "city": "Napoli"},
    {"id": "it-9", "first_name": "Beppe", "surname": "Esposito", "dob": "23.11.1971", "city": "Napoli"},
    # different people who share a surname, or a name and a city
    {"id": "pl-5", "first_name": "Anna", "surname": "Nowak", "dob": "1980-01-01", "city": "Kraków"},
    {"id": "pl-6", "first_name": "Jan", "surname": "Nowak", "dob": "1955-06-30", "city": "Gdańsk"},
    {"id": "nl-9", "first_name": "Anna", "surname": "de Vries", "dob": "1999-09-09", "city": "Utrecht"},
    {"id": "it-1", "first_name": "Marco", "surname": "Rossi", "dob": "1966-02-14", "city": "Milano"},
]
TRUTH = [{"pl-1", "nl-7", "it-3", "pl-9"}, {"pl-4", "nl-2"}, {"it-8", "it-9"}]


def _prepared(rows, entity_type="person", **kwargs):
    frame = as_frame(rows)
    return prepare(frame, record_ids(frame, "t"), entity_type, **kwargs)


def _clusters(entities):
    return sorted((sorted(r.record_id for r in e.records) for e in entities), key=lambda c: (-len(c), c))


@pytest.fixture
def engine():
    engine = open_engine("duckdb")
    yield engine
    engine.close()


def test_cross_border_spellings_resolve_to_one_person_each(engine):
    matches, entities, report = run_splink(engine, [("records", _prepared(PEOPLE))], RunOptions())
    clusters = _clusters(entities)
    assert {frozenset(c) for c in clusters if len(c) > 1} == {frozenset(c) for c in TRUTH}
    # nothing lost: every record in exactly one actor
    ids = [r.record_id for e in entities for r in e.records]
    assert sorted(ids) == sorted(p["id"] for p in PEOPLE)
    assert report.trained is False and "prior m and u probabilities used" in report.training[0]
    courier = next(e for e in entities if len(e.records) == 4)
    assert courier.attributes["surname"] == "wisniewski" and courier.attributes["birth_date"] == "1985-03-12"
    assert courier.entity_id.startswith("person-")


def test_each_match_is_explained_level_by_level(engine):
    matches, _, _ = run_splink(engine, [("records", _prepared(PEOPLE))], RunOptions())
    beppe = next(m for m in matches if {m.left.record_id, m.right.record_id} == {"it-8", "it-9"})
    evidence = {e.field: e for e in beppe.evidence}
    assert evidence["first_name"].level == "same name behind a nickname or spelling"
    assert (evidence["first_name"].left, evidence["first_name"].right) == ("giuseppe", "beppe")
    assert evidence["surname"].level == "same" and evidence["surname"].match_weight > 5
    assert evidence["surname"].tf_adjustment == 0  # a dozen records: no term-frequency adjustment
    assert evidence["birth_date"].bayes_factor > 100
    assert evidence["city"].level == "same"
    # the weights add up to the score
    prior = beppe.match_weight - sum(e.match_weight for e in beppe.evidence)
    assert prior == pytest.approx(-3.46, abs=0.01)  # untrained: 1 in 12 pairs, log2(1/11)
    assert "given name same name behind a nickname or spelling (+" in beppe.explanation
    assert "surname same (+7.4)" in beppe.explanation
    assert beppe.explanation.startswith(f"match weight {beppe.match_weight:.1f}")
    json.dumps(beppe.to_dict())


def test_a_shared_surname_alone_is_not_a_match(engine):
    matches, _, _ = run_splink(engine, [("records", _prepared(PEOPLE))], RunOptions())
    pairs = {frozenset((m.left.record_id, m.right.record_id)) for m in matches}
    assert frozenset(("pl-5", "pl-6")) not in pairs and frozenset(("pl-5", "nl-9")) not in pairs


def test_phones_in_national_and_international_forms_are_one_phone(engine):
    phones = [{"id": "a", "number": "+48 601 234 567", "owner": "Jan Kowalski"},
              {"id": "b", "number": "0048601234567", "owner": "J. Kowalski"},
              {"id": "c", "number": "601-234-567", "country": "PL"},
              {"id": "d", "number": "06 12345678", "country": "NL"},
              {"id": "e", "number": "+31 6 1234 5678"},
              {"id": "f", "number": "+39 333 1234567"}]
    _, entities, _ = run_splink(engine, [("seized", _prepared(phones, "phone"))], RunOptions())
    assert _clusters(entities) == [["a", "b", "c"], ["d", "e"], ["f"]]


def test_vehicles_with_misread_plates_and_accounts_with_spaces(engine):
    vehicles = [{"id": "v1", "plate": "KR 0S123", "make": "BMW", "model": "X5", "colour": "black"},
                {"id": "v2", "plate": "KROS123", "make": "BMW", "model": "X5", "colour": "black"},
                {"id": "v3", "plate": "GR-580-DG", "make": "Fiat", "model": "Ducato", "colour": "white"}]
    _, entities, _ = run_splink(engine, [("v", _prepared(vehicles, "vehicle"))], RunOptions())
    assert _clusters(entities) == [["v1", "v2"], ["v3"]]
    accounts = [{"id": "a1", "iban": "PL61 1090 1014 0000 0712 1981 2874", "holder": "Chem-Trade Sp. z o.o."},
                {"id": "a2", "iban": "pl61109010140000071219812874", "holder": "Chem Trade"},
                {"id": "a3", "iban": "NL91ABNA0417164300", "holder": "Blue Lotus BV"}]
    _, entities, _ = run_splink(engine, [("a", _prepared(accounts, "bank_account"))], RunOptions())
    assert _clusters(entities) == [["a1", "a2"], ["a3"]]


def test_companies_without_their_legal_form(engine):
    companies = [{"id": "c1", "name": "Chem-Trade Sp. z o.o.", "city": "Łódź", "country": "PL"},
                 {"id": "c2", "name": "CHEM TRADE SP Z O O", "city": "Lodz", "country": "PL"},
                 {"id": "c3", "name": "Blue Lotus B.V.", "city": "Rotterdam", "country": "NL"}]
    _, entities, _ = run_splink(engine, [("c", _prepared(companies, "company"))], RunOptions())
    assert _clusters(entities) == [["c1", "c2"], ["c3"]]


def test_linking_two_sets_keeps_the_data_set_of_each_record(engine):
    left = _prepared(PEOPLE[:4] + PEOPLE[8:10])
    right = _prepared(PEOPLE[4:8] + [{**PEOPLE[0], "id": "x-1"}])
    matches, entities, _ = run_splink(engine, [("pl", left), ("it", right)], RunOptions())
    assert {(m.left.dataset, m.right.dataset) for m in matches} <= {("it", "pl")}
    linked = next(e for e in entities if any(r.record_id == "x-1" for r in e.records))
    assert {r.dataset for r in linked.records} == {"pl", "it"}
    assert sum(len(e.records) for e in entities) == len(left.table) + len(right.table)


def test_the_same_input_gives_the_same_result(engine):
    first = run_splink(engine, [("r", _prepared(PEOPLE))], RunOptions())
    second = run_splink(engine, [("r", _prepared(PEOPLE))], RunOptions())
    assert [m.to_dict() for m in first[0]] == [m.to_dict() for m in second[0]]
    assert [e.to_dict() for e in first[1]] == [e.to_dict() for e in second[1]]


def test_blocking_keeps_rules_under_the_pair_budget():
    table = pd.DataFrame({"unique_id": [str(i) for i in range(6)], "surname": ["a", "a", "a", "a", "b", "b"],
                          "birth_date": ["1", "1", "2", "2", "3", None]})
    assert estimate_pairs([table], ("surname",)) == 7
    assert estimate_pairs([table], ("surname", "birth_date")) == 2
    assert estimate_pairs([table.iloc[:3], table.iloc[3:]], ("surname",)) == 3
    kept, report = choose_blocking("person", [table], {"surname", "birth_date"}, budget=5)
    assert ("surname",) not in kept and ("surname", "birth_date") in kept
    assert {"rule": "block_on(surname)", "pairs": 7, "kept": False} in report
    with pytest.raises(InvalidInput, match="no blocking key"):
        choose_blocking("person", [table], {"surname"}, budget=1)


def test_records_with_nothing_to_compare_are_refused(engine):
    with pytest.raises(InvalidInput, match="share no field that can be compared"):
        run_splink(engine, [("r", _prepared([{"id": "1", "zzz": "a"}, {"id": "2", "zzz": "b"}]))], RunOptions())


def test_level_numbers_follow_splink():
    model = {"comparisons": [{"output_column_name": "x", "comparison_description": "X", "comparison_levels": [
        {"is_null_level": True, "label_for_charts": "missing"}, {"label_for_charts": "same"},
        {"label_for_charts": "close"}, {"label_for_charts": "differs"}]}]}
    [info] = comparisons_from_model(model)
    assert {k: v.label for k, v in info.levels.items()} == {-1: "missing", 2: "same", 1: "close", 0: "differs"}
