import pandas as pd
import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.linkage.actors_records import as_frame, entity_types, prepare, record_ids


def _prepare(rows, entity_type="person", **kwargs):
    frame = as_frame(rows)
    ids = record_ids(frame, "test")
    return prepare(frame, ids, entity_type, **kwargs)


def test_febrl_columns_are_recognised_without_a_mapping():
    prepared = _prepare([{"rec_id": "rec-1-org", "given_name": "Kuba", "surname": "Wiśniewski",
                          "date_of_birth": "19651013", "soc_sec_id": "12 345", "address_1": "Polna",
                          "suburb": "Łódź", "postcode": "90-001", "state": "ld", "note": "x"}])
    row = prepared.table.iloc[0].to_dict()
    assert row["unique_id"] == "rec-1-org"
    assert (row["first_name"], row["first_name_canonical"], row["surname"]) == ("kuba", "jakub", "wisniewski")
    assert (row["birth_date"], row["id_number"], row["city"], row["postcode"]) == ("1965-10-13", "12345", "lodz",
                                                                                  "90001")
    assert prepared.ignored_columns == ["note"]


def test_a_one_field_name_is_split_and_explicit_renames_win():
    prepared = _prepare([{"id": "1", "name": "NOWAK Anna", "matka": "x"}], columns={"matka": "street"})
    row = prepared.table.iloc[0]
    assert (row["first_name"], row["surname"], row["street"]) == ("anna", "nowak", "x")


def test_bad_values_are_reported_and_the_record_kept():
    prepared = _prepare([{"id": "p1", "number": "12345", "country": "PL"},
                         {"id": "p2", "number": "+48 601 234 567"}], "phone")
    assert list(prepared.table["unique_id"]) == ["p1", "p2"]
    assert list(prepared.table["phone"]) == [None, "+48601234567"]
    [problem] = prepared.problems
    assert (problem.record_id, problem.field, problem.value) == ("p1", "number", "12345")
    assert "9 digits" in problem.reason


def test_a_phone_takes_its_records_country_before_the_default():
    prepared = _prepare([{"id": "1", "phone": "06 12345678", "country": "NL"}, {"id": "2", "phone": "601234567"}],
                        "phone", default_country="PL")
    assert list(prepared.table["phone"]) == ["+31612345678", "+48601234567"]


def test_an_impossible_birth_date_keeps_its_digits_for_matching():
    prepared = _prepare([{"id": "1", "dob": "19450493"}])
    assert prepared.table.loc[0, "birth_date"] == "19450493"
    assert prepared.problems[0].reason == "not a calendar date: 19450493"


def test_vehicle_company_and_account_fields():
    vehicle = _prepare([{"id": "v", "plate": "wa 1234o", "color": "Black", "brand": "BMW"}], "vehicle").table.iloc[0]
    assert (vehicle["plate"], vehicle["plate_key"], vehicle["colour"], vehicle["make"]) == ("WA1234O", "WA12340",
                                                                                         "black", "bmw")
    company = _prepare([{"id": "c", "name": "Chem-Trade Sp. z o.o.", "krs": "0000 123"}], "company").table.iloc[0]
    assert (company["name_key"], company["registration_number"]) == ("chem trade", "0000123")
    account = _prepare([{"id": "a", "iban": "pl61 1090 1014 0000 0712 1981 2874", "holder": "Jan Nowak"}],
                       "bank_account").table.iloc[0]
    assert (account["iban"], account["holder_name"]) == ("PL61109010140000071219812874", "jan nowak")
    domestic = _prepare([{"id": "a", "iban": "ABNA 0417 1643 00", "country": "NL"}], "bank_account").table.iloc[0]
    assert domestic["iban"] == "NL91ABNA0417164300"
    plate = _prepare([{"id": "v", "registration_number": "01-bwr-1"}], "vehicle").table.iloc[0]
    assert plate["plate"] == "01BWR1"
    address = _prepare([{"id": "a", "name": "ul. Marszałkowska 147, 52-116 Gdańsk", "postal_code": "52-116"}],
                       "address").table.iloc[0]
    assert (address["street"], address["postcode"]) == ("ul marszalkowska 147 52 116 gdansk", "52116")


def test_the_recording_country_is_provenance_not_an_attribute():
    table = _prepare([{"id": "1", "first_name": "Ruben", "country": "PL", "nationality": "nl",
                       "phone": "06 12345678"}]).table
    assert "country" not in table.columns
    assert table.loc[0, "nationality"] == "NL"
    # the recording country completes a national number, here wrongly (the phone is Dutch): the
    # comparison's typo levels and the other fields must carry such records
    assert table.loc[0, "phone"] == "+48612345678"


def test_missing_empty_and_duplicate_ids_are_refused():
    with pytest.raises(InvalidInput, match="no record id column"):
        record_ids(as_frame([{"name": "x"}]), "f.csv")
    with pytest.raises(InvalidInput, match="empty record id") as info:
        record_ids(as_frame([{"id": "1"}, {"id": " "}]), "f.csv")
    assert info.value.record == "f.csv, row 2"
    with pytest.raises(InvalidInput, match="'7' appears more than once"):
        record_ids(as_frame([{"id": "7"}, {"id": "7"}]), "f.csv")


def test_entity_types_from_ftm_schema_and_unknown_types_refused():
    frame = as_frame([{"id": "1", "schema": "Person"}, {"id": "2", "schema": "Company"},
                      {"id": "3", "schema": "BankAccount"}, {"id": "4", "schema": ""}])
    types = entity_types(frame, record_ids(frame, "x"), "phone", "x")
    assert list(types) == ["person", "company", "bank_account", "phone"]
    frame = as_frame([{"id": "1", "schema": "Spaceship"}])
    with pytest.raises(InvalidInput, match="unknown entity type 'Spaceship'") as info:
        entity_types(frame, record_ids(frame, "x"), "person", "x")
    assert info.value.record == "x, id 1"
    with pytest.raises(InvalidInput, match="unknown entity type 'ghost'"):
        entity_types(frame, record_ids(frame, "x"), "ghost", "x")


def test_csv_input(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("rec_id, given_name, surname\nr1, anna , nowak\nr2,,\n", encoding="utf-8")
    frame = as_frame(path)
    assert list(frame.columns) == ["rec_id", "given_name", "surname"]
    assert frame.iloc[0].tolist() == ["r1", "anna", "nowak"] and frame.iloc[1].tolist() == ["r2", None, None]
    assert isinstance(frame, pd.DataFrame)
