import csv
from collections import Counter
from importlib import resources

import pytest

from crystal_palace.linkage.actors_names import (
    PersonName,
    canonical_given_name,
    clean_name,
    company_legal_forms,
    company_name_key,
    given_name_variants,
    split_full_name,
    transliteration_table,
)

DATA = resources.files("crystal_palace") / "data" / "actors"


@pytest.mark.parametrize("variants", [
    ("Paweł Wiśniewski", "PAWEL WISNIEWSKI", "pawel  wisniewski"),
    ("Jürgen Müller", "Jurgen Muller"),
    ("Олександр Шевченко", "Oleksandr Shevchenko"),
    ("Сергей Волков", "Sergey Volkov"),
])
def test_spellings_of_one_name_meet(variants):
    assert len({clean_name(v) for v in variants}) == 1


@pytest.mark.parametrize("variant, canonical", [
    ("Kuba", "jakub"), ("Tomek", "tomasz"), ("Bartek", "bartlomiej"), ("Beppe", "giuseppe"), ("Peppe", "giuseppe"),
    ("Gianni", "giovanni"), ("Hans", "johannes"), ("Kees", "cornelis"), ("Sasha", "aleksander"),
    ("Alexander", "aleksander"), ("Alessandro", "aleksander"), ("Oleksandr", "aleksander"),
    ("Сергей", "sergei"), ("Serhiy", "sergei"),
])
def test_nicknames_and_foreign_forms_lead_to_one_given_name(variant, canonical):
    assert canonical_given_name(variant) == canonical


def test_a_name_without_variants_is_its_own_canonical_form():
    assert canonical_given_name("Zofia Maria") == "zofia"
    assert canonical_given_name(None) is None


@pytest.mark.parametrize("raw, expected", [
    ("Nowak, Anna", PersonName("anna", "nowak")),
    ("NOWAK Anna Maria", PersonName("anna maria", "nowak")),
    ("Anna Nowak", PersonName("anna", "nowak")),
    ("Pieter de Vries", PersonName("pieter", "de vries")),
    ("Ruud van den Berg", PersonName("ruud", "van den berg")),
    ("Esposito", PersonName(None, "esposito")),
    ("", PersonName(None, None)),
])
def test_split_full_name(raw, expected):
    assert split_full_name(raw) == expected


@pytest.mark.parametrize("names", [
    ("Chem-Trade Sp. z o.o.", "CHEM TRADE SP Z O O", "Chem Trade"),
    ("Blue Lotus B.V.", "Blue Lotus BV", "blue lotus"),
    ("Farmaceutica Nord S.r.l.", "FARMACEUTICA NORD SRL"),
])
def test_company_names_meet_without_their_legal_form(names):
    assert len({company_name_key(n) for n in names}) == 1


def test_a_company_named_only_by_its_legal_form_keeps_it():
    assert company_name_key("S.p.A.") == "s p a"


@pytest.mark.parametrize("name, key", [
    ("given_name_variants.csv", "variant"), ("cyrillic_latin.csv", "cyrillic"), ("company_legal_forms.csv", "form"),
])
def test_reference_tables_have_sources_and_no_duplicates(name, key):
    with (DATA / name).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    assert all(row["source"].strip() for row in rows), name
    counts = Counter(row[key] for row in rows)
    assert [k for k, n in counts.items() if n > 1] == []


def test_tables_load():
    assert len(given_name_variants()) >= 60
    assert transliteration_table()[ord("Ж")] == "zh"
    assert "sp z o o" in company_legal_forms()
