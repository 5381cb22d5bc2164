"""The people, companies, phones, addresses, vehicles and bank accounts of the demo, and their links.

Each production site has a crew (three to eight people, some of them foreigners) and often a front
company with a bank account; many seizures also involve street-level couriers, a few of whom are
caught again and again. An agency keeps one record per person it meets (its own deduplication), so a
person caught in Poland and in Italy has a Polish and an Italian record, spelled each agency's way:
diacritics dropped, letters transposed, a nickname, given and family name swapped, a birth date
missing or with day and month swapped, the phone in another format. Phones, addresses, vehicles and
accounts seen by an agency become records of their own, linked to the person record. The ground truth
(``truth_actors``) maps every record to its real entity.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crystal_palace.demo.variants import (
    iban,
    iban_variant,
    mobile_number,
    nickname,
    phone_variant,
    plate,
    plate_variant,
    strip_diacritics,
    typo,
)
from crystal_palace.demo.vocabulary import (
    AGENCIES,
    BANK_CODES,
    COMPANY_FORMS,
    COMPANY_WORDS,
    COUNTRY_WEIGHTS,
    FIRST_NAMES,
    LAST_NAMES,
    NATIONALITY_WEIGHTS,
    PLACES,
    STREETS,
)
from crystal_palace.store.frames import aux_frame, record_frame
from crystal_palace.store.ids import record_ids

ACTOR_COLUMNS = ("schema", "name", "first_name", "last_name", "birth_date", "nationality", "id_number", "phone",
                 "address", "city", "postal_code", "registration_number", "iban")


@dataclass
class People:
    """The generated actor records, their links, and the ground truth."""

    actors: pd.DataFrame
    links: pd.DataFrame
    truth: pd.DataFrame

    def arrests_by_operation(self, seizures: pd.DataFrame) -> dict[tuple[str, str], int]:
        """Distinct suspects per (operation id, country) of the seizures they are linked to."""
        suspects = self.links[self.links["type"] == "suspect_in"][["from_id", "to_id"]]
        joined = suspects.merge(seizures[["id", "operation_id", "country"]], left_on="to_id", right_on="id")
        joined = joined.dropna(subset=["operation_id"])
        counts = joined.groupby(["operation_id", "country"])["from_id"].nunique()
        return {(str(k[0]), str(k[1])): int(v) for k, v in counts.items()}


class _Rows:
    """Column lists that grow one actor record at a time."""

    def __init__(self) -> None:
        self.columns: dict[str, list[object]] = {c: [] for c in (*ACTOR_COLUMNS, "entity", "country", "agency",
                                                                  "created_at")}
        self.index: dict[tuple[str, str, str], int] = {}

    def add(self, key: tuple[str, str, str], created: np.datetime64, **values: object) -> int:
        """Add the record ``key`` = (entity, country, agency) unless that agency already has it."""
        found = self.index.get(key)
        if found is not None:
            return found
        row = len(self.columns["entity"])
        self.index[key] = row
        entity, country, agency = key
        for column in ACTOR_COLUMNS:
            self.columns[column].append(values.get(column))
        self.columns["entity"].append(entity)
        self.columns["country"].append(country)
        self.columns["agency"].append(agency)
        self.columns["created_at"].append(created)
        return row


def _postal_code(country: str, prng: random.Random) -> str:
    if country == "PL":
        return f"{prng.randrange(0, 99):02d}-{prng.randrange(0, 999):03d}"
    if country == "NL":
        return f"{prng.randrange(1000, 9999)} {''.join(prng.choices('ABCDEGHJKLMNPRSTVWXZ', k=2))}"
    if country == "BE":
        return str(prng.randrange(1000, 9999))
    return f"{prng.randrange(0, 99999):05d}"


def _person_variant(first: str, last: str, birth: str, nationality: str, recorded_in: str,
                    prng: random.Random) -> dict[str, object]:
    """One agency's record of a person: the spelling and fields that agency ended up with."""
    if prng.random() < 0.08:
        first = nickname(first, prng)
    if prng.random() < (0.6 if recorded_in != nationality else 0.12):
        first, last = strip_diacritics(first), strip_diacritics(last)
    if prng.random() < 0.06:
        last = typo(last, prng)
    if prng.random() < 0.04:
        first = typo(first, prng)
    if " " in last and prng.random() < (0.4 if recorded_in != nationality else 0.1):
        last = last.replace(" ", "").capitalize() if prng.random() < 0.5 else last.title()
    if prng.random() < 0.1:
        last = last.upper()
    if prng.random() < 0.03:
        first, last = last, first
    born: str | None = birth
    r = prng.random()
    if r < 0.15:
        born = None
    elif r < 0.18 and int(birth[8:10]) <= 12:
        born = f"{birth[:4]}-{birth[8:10]}-{birth[5:7]}"
    return {"first_name": first, "last_name": last, "name": f"{first} {last}", "birth_date": born,
            "nationality": nationality if prng.random() < 0.8 else None}


def generate_people(*, rng: np.random.Generator, prng: random.Random, n_seizures: int, seizure_ids: np.ndarray,
                    seizure_country: np.ndarray, seizure_agency: np.ndarray, seizure_created: np.ndarray,
                    seizure_site: np.ndarray, site_ids: np.ndarray, site_country: np.ndarray,
                    site_agency: np.ndarray, site_created: np.ndarray, handling: Callable[[int], np.ndarray],
                    source: str) -> People:
    """Persons and everything around them, with the links to seizures and sites and the ground truth."""
    n_sites = site_ids.size
    crew = rng.integers(3, 9, n_sites)
    crew_start = np.r_[0, np.cumsum(crew)[:-1]]
    n_crew = int(crew.sum())
    n_street = max(10, int(n_seizures * 0.22))
    total = n_crew + n_street
    countries = np.array(list(COUNTRY_WEIGHTS), dtype=object)
    cw = np.array(list(COUNTRY_WEIGHTS.values()))
    home = countries[rng.choice(countries.size, total, p=cw / cw.sum())]
    crew_site = np.repeat(np.arange(n_sites), crew)
    local = rng.random(n_crew) < 0.6
    home[:n_crew][local] = site_country[crew_site[local]]
    nats = np.array(list(NATIONALITY_WEIGHTS), dtype=object)
    nw = np.array(list(NATIONALITY_WEIGHTS.values()))
    nationality = np.where(rng.random(total) < 0.75, home, nats[rng.choice(nats.size, total, p=nw / nw.sum())])
    first = np.empty(total, dtype=object)
    last = np.empty(total, dtype=object)
    for nat in sorted(set(nationality.tolist())):  # sorted: set order varies with the hash seed
        mask = nationality == nat
        k = int(mask.sum())
        first[mask] = np.array(FIRST_NAMES[nat], dtype=object)[rng.integers(0, len(FIRST_NAMES[nat]), k)]
        last[mask] = np.array(LAST_NAMES[nat], dtype=object)[rng.integers(0, len(LAST_NAMES[nat]), k)]
    birth = (np.datetime64("1960-01-01") + rng.integers(0, 42 * 365, total).astype("timedelta64[D]")).astype(str)
    id_number = [f"{n}{prng.randrange(10**8, 10**9)}" for n in nationality.tolist()]
    phone = [mobile_number(c, prng) for c in home.tolist()]
    town = [prng.choice(PLACES[c]) for c in home.tolist()]
    postal = [_postal_code(c, prng) for c in home.tolist()]
    address = [f"{prng.choice(STREETS[c])} {prng.randrange(1, 180)}, {p} {t[0]}"
               for c, p, t in zip(home.tolist(), postal, town, strict=True)]
    has_car = rng.random(total) < 0.35
    plates = [plate(c, prng) if h else "" for c, h in zip(home.tolist(), has_car.tolist(), strict=True)]
    has_account = rng.random(total) < 0.25
    ibans = [iban(c, prng.choice(BANK_CODES[c]), prng) if h else ""
             for c, h in zip(home.tolist(), has_account.tolist(), strict=True)]

    # appearances: (person, country, agency, linked record id, link type, when)
    crew_seen = (seizure_site >= 0) & (rng.random(n_seizures) < 0.45)
    s_crew = np.flatnonzero(crew_seen)
    crew_person = crew_start[seizure_site[s_crew]] + (rng.random(s_crew.size) * crew[seizure_site[s_crew]]).astype(int)
    street_pool = {c: n_crew + np.flatnonzero(home[n_crew:] == c) for c in COUNTRY_WEIGHTS}
    s_street = np.flatnonzero(rng.random(n_seizures) < 0.75)
    s_street = np.concatenate([s_street, np.flatnonzero(rng.random(n_seizures) < 0.2)])
    street_person = np.empty(s_street.size, dtype=np.int64)
    abroad = rng.random(s_street.size) < 0.1
    skew = rng.random(s_street.size) ** 1.8  # a few couriers are caught again and again
    for c, pool in street_pool.items():
        mask = (seizure_country[s_street] == c) & ~abroad
        if pool.size == 0:
            abroad |= mask
            continue
        street_person[mask] = pool[(skew[mask] * pool.size).astype(int)]
    street_person[abroad] = n_crew + (skew[abroad] * n_street).astype(int)
    seen = np.concatenate([s_crew, s_street])
    appearance = pd.DataFrame({
        "person": np.concatenate([crew_person, street_person, np.arange(n_crew)]),
        "country": np.concatenate([seizure_country[seen], site_country[crew_site]]),
        "agency": np.concatenate([seizure_agency[seen], site_agency[crew_site]]),
        "target": np.concatenate([seizure_ids[seen], site_ids[crew_site]]),
        "type": ["suspect_in"] * seen.size + ["operated"] * n_crew,
        "created": np.concatenate([seizure_created[seen], site_created[crew_site].astype("datetime64[s]")]),
    }).sort_values("created", kind="stable")

    rows = _Rows()
    link_from: list[int] = []
    link_to: list[object] = []
    link_type: list[str] = []
    for person, c, a, target, kind, created in appearance.itertuples(index=False, name=None):
        key = (f"person-{person:07d}", c, a)
        row = rows.index.get(key)
        if row is None:
            values = _person_variant(first[person], last[person], birth[person], nationality[person], c, prng)
            values["schema"] = "Person"
            if prng.random() < 0.4:
                values["id_number"] = id_number[person]
            if prng.random() < 0.6:
                values["phone"] = phone_variant(home[person], phone[person], prng)
            if prng.random() < 0.5:
                values["address"] = address[person] if prng.random() < 0.5 else strip_diacritics(address[person])
                values["city"] = town[person][0]
            row = rows.add(key, created, **values)
            _satellites(rows, row, person, c, a, created, home[person], phone[person], address[person],
                        town[person][0], postal[person], plates[person], ibans[person], prng, link_from, link_to,
                        link_type)
        link_from.append(row)
        link_to.append(target)
        link_type.append(kind)

    _companies(rows, prng, rng, n_sites, crew_start, site_country, site_agency, site_created, link_from, link_to,
               link_type)

    m = len(rows.columns["entity"])
    a_country = np.array(rows.columns["country"], dtype=object)
    a_agency = np.array(rows.columns["agency"], dtype=object)
    schema = np.array(rows.columns["schema"], dtype=object)
    a_ref = [f"{a}/{s[:3].upper()}/{i:08d}" for i, (a, s) in enumerate(zip(a_agency.tolist(), schema.tolist(),
                                                                          strict=True), start=1)]
    actor_ids = np.array(record_ids("ac", a_country, a_agency, a_ref), dtype=object)
    created = np.array(rows.columns["created_at"], dtype="datetime64[s]")
    actors = record_frame("actors", {
        "id": actor_ids, "ref": a_ref, "country": a_country, "agency": a_agency, "source": source,
        "handling_code": handling(m), "created_at": created,
        **{c: np.array(rows.columns[c], dtype=object) for c in ACTOR_COLUMNS},
    })
    entity = np.array(rows.columns["entity"], dtype=object)
    truth = aux_frame("truth_actors", {"actor_id": actor_ids, "entity_id": entity, "schema": schema})

    src = np.array(link_from, dtype=np.int64)
    from_ids = actor_ids[src]
    to_ids = np.array([actor_ids[t] if isinstance(t, int) else t for t in link_to], dtype=object)
    l_country, l_agency = a_country[src], a_agency[src]
    l_type = np.array(link_type, dtype=object)
    l_ref = [f"{t}:{f}:{o}" for t, f, o in zip(l_type.tolist(), from_ids.tolist(), to_ids.tolist(), strict=True)]
    links = record_frame("links", {
        "id": record_ids("ln", l_country, l_agency, l_ref), "ref": l_ref, "country": l_country, "agency": l_agency,
        "source": source, "handling_code": actors["handling_code"].to_numpy()[src], "created_at": created[src],
        "type": l_type, "from_id": from_ids, "to_id": to_ids, "score": np.ones(src.size), "method": "reported",
        "explanation": "recorded by the agency",
    }).drop_duplicates("id", ignore_index=True)
    return People(actors=actors, links=links, truth=truth)


def _satellites(rows: _Rows, person_row: int, person: int, c: str, a: str, created: np.datetime64, home: str,
                phone: str, address: str, town: str, postal: str, car: str, account: str, prng: random.Random,
                link_from: list[int], link_to: list[object], link_type: list[str]) -> None:
    """The phone, address, vehicle and account records an agency keeps beside its person record."""
    def link(row: int, kind: str) -> None:
        link_from.append(person_row)
        link_to.append(row)
        link_type.append(kind)

    if prng.random() < 0.5:
        written = phone_variant(home, phone, prng)
        link(rows.add((f"phone-{person:07d}", c, a), created, schema="Phone", name=written, phone=written),
             "uses_phone")
    if prng.random() < 0.3:
        written = address if prng.random() < 0.5 else strip_diacritics(address)
        link(rows.add((f"address-{person:07d}", c, a), created, schema="Address", name=written, address=written,
                      city=town, postal_code=postal), "lives_at")
    if car and prng.random() < 0.5:
        written = plate_variant(car, prng)
        link(rows.add((f"vehicle-{person:07d}", c, a), created, schema="Vehicle", name=written,
                      registration_number=written), "drives")
    if account and prng.random() < 0.4:
        written = iban_variant(account, prng)
        link(rows.add((f"account-{person:07d}", c, a), created, schema="BankAccount", name=written, iban=written),
             "holds_account")


def _companies(rows: _Rows, prng: random.Random, rng: np.random.Generator, n_sites: int, crew_start: np.ndarray,
               site_country: np.ndarray, site_agency: np.ndarray, site_created: np.ndarray,
               link_from: list[int], link_to: list[object], link_type: list[str]) -> None:
    """Front companies of the crews: one record by the site's agency, sometimes one abroad, an account each."""
    for s in range(n_sites):
        if rng.random() >= 0.7:
            continue
        c, a = str(site_country[s]), str(site_agency[s])
        created = site_created[s].astype("datetime64[s]")
        words = prng.sample(COMPANY_WORDS, 2)
        name = f"{words[0]}-{words[1]} {prng.choice(COMPANY_FORMS[c])}"
        registration = f"{c}{prng.randrange(10**7, 10**8)}"
        director = rows.index[(f"person-{int(crew_start[s]):07d}", c, a)]
        entity = f"company-{s:05d}"
        company = rows.add((entity, c, a), created, schema="Company", name=name, registration_number=registration)
        link_from.append(director)
        link_to.append(company)
        link_type.append("director_of")
        account = iban(c, prng.choice(BANK_CODES[c]), prng)
        acc = rows.add((f"account-{entity}", c, a), created, schema="BankAccount", name=account, iban=account)
        link_from.append(company)
        link_to.append(acc)
        link_type.append("holds_account")
        if prng.random() < 0.5:  # a partner agency also holds the company, its name re-keyed
            other = prng.choice([k for k in ("PL", "NL", "IT", "DE", "BE") if k != c])
            variant = strip_diacritics(name).upper() if prng.random() < 0.5 else name.replace("-", " ")
            rows.add((entity, other, AGENCIES[other][0]), created, schema="Company", name=variant,
                     registration_number=registration if prng.random() < 0.6 else None)
