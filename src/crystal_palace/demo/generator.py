"""``generate(seizures=N, seed=...)``: a realistic synthetic data set with its ground truth.

The story behind the numbers: production sites (mostly in the Netherlands, Belgium and Poland) each
run one synthesis route and make batches of amphetamine, methamphetamine or MDMA; MDMA sites also run
tablet presses. Seizures across Europe (Poland, Italy and the Netherlands first) contain drugs from
those batches, often far from where they were made, or other drugs (cocaine, heroin, cannabis,
cathinones, NPS). Laboratories sample the seizures and measure impurity profiles and tablets. The
people around the sites and the street-level couriers appear in several countries' records, spelled
differently each time (see :mod:`crystal_palace.demo.people`). Joint operations group some seizures and
site take-downs. The ground truth says which batch, press and site each sample really comes from and
which real entity each actor record describes.

Numbers are drawn with numpy in whole columns; only the spelling of names goes row by row.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crystal_palace.demo.chemistry import (
    PEAKS,
    batch_profiles,
    make_presses,
    route_presence,
    sample_profiles,
    site_batches,
    substances,
    tablet_measurements,
)
from crystal_palace.demo.people import generate_people
from crystal_palace.demo.vocabulary import (
    AGENCIES,
    COLOUR_VARIANTS,
    COUNTRY_WEIGHTS,
    EMERGENCE,
    EQUIPMENT,
    OTHER_DRUGS,
    PLACES,
    PRECURSORS,
    PROFILED_DRUGS,
    SITE_CHEMICALS,
    SITE_COUNTRY_WEIGHTS,
    TARGET_SET_OF,
    TARGET_SETS,
    WASTE,
)
from crystal_palace.store.frames import aux_frame, record_frame
from crystal_palace.store.ids import record_ids

SOURCE = "crystal-palace demo"
LABS = {"PL": "CLKP", "NL": "NFI", "IT": "Carabinieri RaCIS", "DE": "BKA", "BE": "NICC", "CZ": "NPC",
        "ES": "Policia Nacional"}
"""The forensic laboratory that owns sample, profile and tablet records in each country."""
HANDLING = (("H0", 0.25), ("H1", 0.30), ("H2", 0.35), ("H3", 0.10))
OPERATION_NAMES = ("Orca", "Tulip", "Amber", "Vesuvio", "Wisla", "Delta", "Baltic", "Gondola", "Windmill",
                   "Sirocco", "Mistral", "Bison", "Heron", "Etna", "Kraken", "Lynx", "Polder", "Tatra", "Arno", "Falco")


@dataclass
class DemoData:
    """A generated data set: one DataFrame per store table, plus the ground truth.

    ``tables`` has every record table of :data:`crystal_palace.store.model.TABLES` (columns exactly as
    in the store); ``truth`` has ``truth_samples`` (sample -> batch, press, site) and ``truth_actors``
    (actor record -> true entity). ``docs/store.md`` describes both.
    """

    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    seed: int
    params: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Rows per table (record tables, then truth tables)."""
        return {name: len(frame) for name, frame in (*self.tables.items(), *self.truth.items())}

    @property
    def records(self) -> int:
        """Records in all record tables together."""
        return sum(len(frame) for frame in self.tables.values())


def _choice(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), n, p=p / p.sum())]


def _per_country(rng: np.random.Generator, countries: np.ndarray, options: dict[str, tuple[Any, ...]]) -> np.ndarray:
    """One option per row, drawn uniformly from that row's country's options."""
    out = np.empty(countries.size, dtype=object)
    for country, values in options.items():
        mask = countries == country
        if mask.any():
            out[mask] = np.array(values, dtype=object)[rng.integers(0, len(values), int(mask.sum()))]
    return out


def _places(rng: np.random.Generator, countries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A place name and jittered coordinates (a few km around the town) per row."""
    place = np.empty(countries.size, dtype=object)
    lat = np.empty(countries.size)
    lon = np.empty(countries.size)
    for country, towns in PLACES.items():
        mask = countries == country
        k = int(mask.sum())
        if k:
            pick = rng.integers(0, len(towns), k)
            place[mask] = np.array([t[0] for t in towns], dtype=object)[pick]
            lat[mask] = np.array([t[1] for t in towns])[pick]
            lon[mask] = np.array([t[2] for t in towns])[pick]
    return (place, np.round(lat + rng.normal(0, 0.03, lat.size), 5),
            np.round(lon + rng.normal(0, 0.045, lon.size), 5))


def _where(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` where ``mask`` holds, else None."""
    out = np.full(mask.size, None, dtype=object)
    out[mask] = values[mask]
    return out


def _emerge(rng: np.random.Generator, seized: np.ndarray, drug: np.ndarray, country: np.ndarray,
            end: np.datetime64) -> None:
    """Re-date the seizures of emerging NPS: none before they reach a country, more and more after.

    Uses its own random stream, so the rest of the data set does not change with this list.
    """
    for name, (first, delays) in EMERGENCE.items():
        for c in np.unique(country[drug == name]).tolist():
            mask = (drug == name) & (country == c)
            arrival = min(np.datetime64(first, "D") + np.timedelta64(delays.get(c, 240), "D"),
                          end - np.timedelta64(30, "D"))
            days = int((end - arrival).astype(int))
            offset = np.floor(days * np.sqrt(rng.random(int(mask.sum())))).astype("timedelta64[D]")
            seized[mask] = arrival + offset  # density rising linearly from the arrival


def _handling(rng: np.random.Generator, n: int) -> np.ndarray:
    return _choice(rng, dict(HANDLING), n)


def _refs(prefix: str, years: np.ndarray, n: int) -> list[str]:
    return [f"{prefix}/{y}/{i:07d}" for i, y in zip(range(1, n + 1), years.tolist(), strict=True)]


def _stamp(rng: np.random.Generator, dates: np.ndarray) -> np.ndarray:
    """When a record about an event on ``dates`` was entered: a few days later, at working hours."""
    seconds = rng.integers(0, 10 * 86400, dates.size) + 8 * 3600
    stamps: np.ndarray = dates.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    return stamps


def generate(seizures: int = 1000, seed: int = 0, *, start: str = "2019-01-01",
             end: str = "2024-12-31") -> DemoData:
    """Generate a demo data set of ``seizures`` seizures and everything around them.

    Parameters
    ----------
    seizures
        Number of seizures; the other tables scale with it (about 1.1 substances, 1.1 samples, 0.6
        profiles, 0.3 tablets, 2 actors and 3 links per seizure; one batch per 12 seizures, one press
        per 150, one site per 500).
    seed
        The same seed gives the same data, ids included.
    start, end
        The period of the seizures (ISO dates).
    """
    if seizures < 1:
        raise ValueError("seizures must be at least 1")
    rng = np.random.default_rng(seed)
    prng = random.Random(seed)
    n = int(seizures)
    t0, t1 = np.datetime64(start, "D"), np.datetime64(end, "D")
    span = int((t1 - t0).astype(int))
    subs = substances()

    # --- operations -------------------------------------------------------------------------------------
    n_ops = int(min(len(OPERATION_NAMES), 2 + n // 5000))
    partners = ("PL", "NL", "IT")
    op_countries = []
    for _ in range(n_ops):
        core = list(rng.choice(partners, size=int(rng.integers(2, 4)), replace=False))
        extra = [c for c in ("DE", "BE", "CZ", "ES") if rng.random() < 0.25]
        op_countries.append(sorted(core + extra))
    op_start = t0 + rng.integers(0, max(span - 200, 1), n_ops).astype("timedelta64[D]")
    op_end = op_start + rng.integers(60, 400, n_ops).astype("timedelta64[D]")
    op_lead = np.array([c[0] for c in op_countries], dtype=object)
    op_agency = _per_country(rng, op_lead, {c: AGENCIES[c][:1] for c in AGENCIES})
    op_ref = [f"JIT/{s.astype('datetime64[Y]')}/{OPERATION_NAMES[i]}" for i, s in enumerate(op_start)]
    op_ids = np.array(record_ids("op", op_lead, op_agency, op_ref), dtype=object)

    # --- production sites, batches, presses --------------------------------------------------------------
    n_sites = max(4, n // 500)
    site_country = _choice(rng, SITE_COUNTRY_WEIGHTS, n_sites)
    site_drug = _choice(rng, {k: v[0] for k, v in PROFILED_DRUGS.items()}, n_sites)
    site_drug[: len(PROFILED_DRUGS)] = list(PROFILED_DRUGS)  # every profiled drug has a site, even in small sets
    site_route = np.array([prng.choice(PROFILED_DRUGS[d][2]) for d in site_drug], dtype=object)
    site_place, site_lat, site_lon = _places(rng, site_country)
    site_dismantled = t0 + rng.integers(span // 3, span, n_sites).astype("timedelta64[D]")
    site_agency = _per_country(rng, site_country, {c: AGENCIES[c][:2] for c in AGENCIES})
    site_ref = [f"LAB-SITE/{i:05d}" for i in range(1, n_sites + 1)]
    site_ids = np.array(record_ids("ps", site_country, site_agency, site_ref), dtype=object)
    site_op = np.full(n_sites, None, dtype=object)
    for k in range(n_ops):
        inside = ((site_dismantled >= op_start[k]) & (site_dismantled <= op_end[k])
                  & np.isin(site_country, op_countries[k]) & (rng.random(n_sites) < 0.7))
        site_op[inside & (site_op == None)] = op_ids[k]  # noqa: E711 (element-wise)
    has_press = (site_drug == "mdma") & (rng.random(n_sites) < 0.8)
    has_press[list(PROFILED_DRUGS).index("mdma")] = True
    site_type = np.where(has_press, "tableting", "synthesis").astype(object)
    site_type[site_type == "synthesis"] = np.where(rng.random(int((site_type == "synthesis").sum())) < 0.9,
                                                   "synthesis", "conversion")

    def site_lists(i: int) -> tuple[list[str], list[str], list[str]]:
        equipment = prng.sample(EQUIPMENT, prng.randint(3, 6))
        if has_press[i] and "tablet press" not in equipment:
            equipment.append("tablet press")
        chemicals = [subs[p].inchikey for p in PRECURSORS[str(site_drug[i])]] + prng.sample(SITE_CHEMICALS, 4)
        return equipment, chemicals, prng.sample(WASTE, prng.randint(1, 3))

    lists = [site_lists(i) for i in range(n_sites)]
    sites = record_frame("production_sites", {
        "id": site_ids, "ref": site_ref, "country": site_country, "agency": site_agency, "source": SOURCE,
        "handling_code": _handling(rng, n_sites), "created_at": _stamp(rng, site_dismantled),
        "site_type": site_type, "place": site_place, "lat": site_lat, "lon": site_lon,
        "dismantled_on": site_dismantled, "operation_id": site_op,
        "equipment": [x[0] for x in lists], "chemicals": [x[1] for x in lists], "waste": [x[2] for x in lists],
        "synthesis_route": site_route, "capacity_kg_week": np.round(rng.lognormal(3.0, 0.8, n_sites), 1),
    })

    n_batches = max(8, n // 12)
    site_weight = rng.pareto(1.5, n_sites) + 0.2
    batch_site = rng.choice(n_sites, n_batches, p=site_weight / site_weight.sum())
    batch_drug = site_drug[batch_site]
    batch_made = site_dismantled[batch_site] - rng.integers(0, 720, n_batches).astype("timedelta64[D]")
    batch_made = np.maximum(batch_made, t0)
    presence = route_presence(sorted({r for v in PROFILED_DRUGS.values() for r in v[2]}), seed=7)
    batch_base = site_batches(batch_profiles(site_route, presence, rng), batch_site, rng)
    batch_names = np.array([f"batch-{i:06d}" for i in range(n_batches)], dtype=object)

    press_sites = np.flatnonzero(has_press)
    if press_sites.size == 0:
        press_sites = np.flatnonzero(site_drug == "mdma")
    if press_sites.size == 0:
        press_sites = np.arange(n_sites)
    n_presses = max(3, n // 150)
    press_site = press_sites[rng.integers(0, press_sites.size, n_presses)]
    presses = make_presses(n_presses, rng)
    press_names = np.array([f"press-{i:05d}" for i in range(n_presses)], dtype=object)

    # --- seizures ----------------------------------------------------------------------------------------
    profiled = rng.random(n) < 0.55
    batch_pop = rng.pareto(2.0, n_batches) + 0.3
    seizure_batch = np.where(profiled, rng.choice(n_batches, n, p=batch_pop / batch_pop.sum()), -1)
    other_keys = list(OTHER_DRUGS)
    other_w = np.array([OTHER_DRUGS[k][0] for k in other_keys])
    seizure_drug = np.array(other_keys, dtype=object)[rng.choice(len(other_keys), n, p=other_w / other_w.sum())]
    seizure_drug[profiled] = batch_drug[seizure_batch[profiled]]
    seized = t0 + rng.integers(0, span + 1, n).astype("timedelta64[D]")
    after = batch_made[seizure_batch[profiled]] + rng.exponential(120, int(profiled.sum())).astype("timedelta64[D]")
    seized[profiled] = np.minimum(after, t1)
    country = _choice(rng, COUNTRY_WEIGHTS, n)
    near_site = profiled & (rng.random(n) < 0.5)
    country[near_site] = site_country[batch_site[seizure_batch[near_site]]]
    _emerge(np.random.default_rng([seed, 1]), seized, seizure_drug, country, t1)
    agency = _per_country(rng, country, {c: v[:3] for c, v in AGENCIES.items()})
    place, lat, lon = _places(rng, country)
    operation = np.full(n, None, dtype=object)
    for k in range(n_ops):
        inside = ((seized >= op_start[k]) & (seized <= op_end[k]) & np.isin(country, op_countries[k])
                  & (rng.random(n) < 0.6))
        operation[inside & (operation == None)] = op_ids[k]  # noqa: E711
    years = seized.astype("datetime64[Y]").astype(int) + 1970
    seizure_ref = [f"{c}-{a}/{r}" for c, a, r in zip(country.tolist(), agency.tolist(),
                                                       _refs("SZ", years, n), strict=True)]
    seizure_ids = np.array(record_ids("sz", country, agency, seizure_ref), dtype=object)
    seizure_created = _stamp(rng, seized)
    seizure_frame = record_frame("seizures", {
        "id": seizure_ids, "ref": seizure_ref, "country": country, "agency": agency, "source": SOURCE,
        "handling_code": _handling(rng, n), "created_at": seizure_created, "seized_on": seized,
        "place": place, "lat": lat, "lon": lon, "operation_id": operation,
    })

    # forms, quantities, purities
    form = np.empty(n, dtype=object)
    for drug in sorted(set(seizure_drug.tolist())):  # sorted: set order varies with the hash seed
        mask = seizure_drug == drug
        forms = PROFILED_DRUGS[drug][1] if drug in PROFILED_DRUGS else OTHER_DRUGS[drug][1]
        weights = np.array([0.7] + [0.3 / (len(forms) - 1)] * (len(forms) - 1)) if len(forms) > 1 else None
        form[mask] = np.array(forms, dtype=object)[rng.choice(len(forms), int(mask.sum()), p=weights)]
    grams = np.round(rng.lognormal(4.5, 1.8, n), 1)
    quantity = np.where(form == "tablet", np.round(rng.lognormal(5.5, 1.5, n)), grams)
    unit = np.where(form == "tablet", "tablets", "g").astype(object)
    unit[form == "blotter"] = "blotters"
    unit[form == "liquid"] = "ml"
    big = (unit == "g") & (quantity >= 1000)
    quantity[big] = np.round(quantity[big] / 1000, 3)
    unit[big] = "kg"
    purity = np.round(np.clip(rng.normal(40, 20, n), 2, 99), 1)
    purity[form == "plant"] = np.round(np.clip(rng.normal(14, 5, int((form == "plant").sum())), 1, 35), 1)
    purity[np.isin(form, ("tablet", "blotter", "capsule"))] = np.nan
    second = rng.random(n) < 0.08
    second_drug = np.array(["ketamine", "mephedrone", "amfetamine", "cocaine"], dtype=object)[
        rng.integers(0, 4, int(second.sum()))]
    rows = np.concatenate([np.arange(n), np.flatnonzero(second)])
    drug_all = np.concatenate([seizure_drug, second_drug])
    ss_ref = [f"{seizure_ref[i]}#{k}" for k, i in zip(np.r_[np.ones(n, int), np.full(second.sum(), 2)].tolist(),
                                                       rows.tolist(), strict=True)]
    substance_frame = record_frame("seizure_substances", {
        "id": record_ids("ss", country[rows], agency[rows], ss_ref), "ref": ss_ref, "country": country[rows],
        "agency": agency[rows], "source": SOURCE, "handling_code": seizure_frame["handling_code"].to_numpy()[rows],
        "created_at": seizure_created[rows], "seizure_id": seizure_ids[rows],
        "inchikey": [subs[d].inchikey for d in drug_all], "substance": [subs[d].name for d in drug_all],
        "quantity": np.r_[quantity, np.round(quantity[second] * rng.uniform(0.01, 0.3, second.sum()), 1)],
        "unit": np.r_[unit, unit[second]], "purity": np.r_[purity, np.round(rng.uniform(1, 30, second.sum()), 1)],
        "form": np.r_[form, form[second]],
    })

    # --- samples, profiles, tablets -------------------------------------------------------------------------
    per_seizure = np.where(profiled, 1 + rng.poisson(0.4, n), (rng.random(n) < 0.6).astype(int))
    sample_seizure = np.repeat(np.arange(n), per_seizure)
    m = sample_seizure.size
    lab = np.array([LABS[c] for c in country[sample_seizure]], dtype=object)
    taken = seized[sample_seizure] + rng.integers(2, 60, m).astype("timedelta64[D]")
    sample_ref = [f"{LABS[c]}/{r}" for c, r in zip(country[sample_seizure].tolist(),
                                                   _refs("S", taken.astype("datetime64[Y]").astype(int) + 1970, m),
                                                   strict=True)]
    sample_ids = np.array(record_ids("sa", country[sample_seizure], lab, sample_ref), dtype=object)
    sample_handling = _handling(rng, m)
    sample_created = _stamp(rng, taken)
    sample_purity = np.round(np.clip(purity[sample_seizure] + rng.normal(0, 2, m), 0.5, 100), 1)
    sample_frame = record_frame("samples", {
        "id": sample_ids, "ref": sample_ref, "country": country[sample_seizure], "agency": lab, "source": SOURCE,
        "handling_code": sample_handling, "created_at": sample_created,
        "seizure_id": seizure_ids[sample_seizure], "taken_on": taken,
        "inchikey": [subs[d].inchikey for d in seizure_drug[sample_seizure]], "purity": sample_purity,
        "form": form[sample_seizure],
    })

    target_frame = record_frame("target_sets", {
        "id": record_ids("ts", ["EU"] * len(TARGET_SETS), ["Crystal Palace"] * len(TARGET_SETS), list(TARGET_SETS)),
        "ref": list(TARGET_SETS), "country": ["EU"] * len(TARGET_SETS),
        "agency": ["Crystal Palace"] * len(TARGET_SETS), "source": SOURCE, "handling_code": ["H0"] * len(TARGET_SETS),
        "created_at": np.full(len(TARGET_SETS), t0, dtype="datetime64[s]"), "name": list(TARGET_SETS),
        "method": ["GC-MS"] * len(TARGET_SETS), "peak_names": [list(v) for v in TARGET_SETS.values()],
    })
    target_id = dict(zip(TARGET_SETS, target_frame["id"], strict=True))

    profiled_sample = np.flatnonzero(profiled[sample_seizure])
    p_seizure = sample_seizure[profiled_sample]
    areas = sample_profiles(batch_base, seizure_batch[p_seizure], rng)
    p_country, p_lab = country[p_seizure], lab[profiled_sample]
    p_ref = [f"{sample_ref[i]}/GC-MS" for i in profiled_sample.tolist()]
    profile_frame = record_frame("profiles", {
        "id": record_ids("pr", p_country, p_lab, p_ref), "ref": p_ref, "country": p_country, "agency": p_lab,
        "source": SOURCE, "handling_code": sample_handling[profiled_sample],
        "created_at": sample_created[profiled_sample], "sample_id": sample_ids[profiled_sample],
        "target_set_id": [target_id[TARGET_SET_OF[d]] for d in seizure_drug[p_seizure]], "method": "GC-MS",
        "areas": areas.reshape(-1, PEAKS).tolist(),
    })

    # tablets: MDMA tablets come from a press of the batch's site when it has one
    seizure_press = np.full(n, -1)
    mdma_tab = (seizure_drug == "mdma") & (form == "tablet") & profiled
    for s in np.flatnonzero(mdma_tab).tolist():
        own = np.flatnonzero(press_site == batch_site[seizure_batch[s]])
        seizure_press[s] = int(own[rng.integers(0, own.size)]) if own.size else int(rng.integers(0, n_presses))
    tablet_sample = np.flatnonzero(form[sample_seizure] == "tablet")
    per_tablet = rng.integers(1, 3, tablet_sample.size)
    tab_sample = np.repeat(tablet_sample, per_tablet)
    tab_seizure = sample_seizure[tab_sample]
    tab_press = seizure_press[tab_seizure]
    k = tab_sample.size
    pressed = tab_press >= 0
    # tablets of unprofiled drugs (2C-B, bromazolam) come from unrecorded presses: features drawn afresh
    free = make_presses(k, rng)
    measured = tablet_measurements(presses, np.where(pressed, tab_press, 0), rng)
    colour = np.where(pressed, presses.colour[np.maximum(tab_press, 0)], free.colour)
    reworded = rng.random(k) < 0.1
    colour[reworded] = [prng.choice(COLOUR_VARIANTS[c]) for c in colour[reworded].tolist()]
    logo = np.where(pressed, presses.logo[np.maximum(tab_press, 0)], free.logo)
    cased = rng.random(k) < 0.1
    logo[cased] = [str(x).upper() for x in logo[cased].tolist()]
    tab_ref = [f"{sample_ref[s]}/T{j}" for s, j in zip(tab_sample.tolist(),
                                                       np.concatenate([np.arange(c) for c in per_tablet]).tolist()
                                                       if k else [], strict=True)]
    tablet_frame = record_frame("tablets", {
        "id": record_ids("tb", country[tab_seizure], lab[tab_sample], tab_ref), "ref": tab_ref,
        "country": country[tab_seizure], "agency": lab[tab_sample], "source": SOURCE,
        "handling_code": sample_handling[tab_sample], "created_at": sample_created[tab_sample],
        "seizure_id": seizure_ids[tab_seizure], "sample_id": sample_ids[tab_sample], "logo": logo, "colour": colour,
        "shape": np.where(pressed, presses.shape[np.maximum(tab_press, 0)], free.shape),
        "diameter_mm": np.where(pressed, measured["diameter_mm"], free.diameter_mm),
        "thickness_mm": np.where(pressed, measured["thickness_mm"], free.thickness_mm),
        "weight_mg": np.where(pressed, measured["weight_mg"], free.weight_mg),
        "score_line": np.where(pressed, presses.score_line[np.maximum(tab_press, 0)], free.score_line),
    })

    sample_batch = seizure_batch[sample_seizure]
    sample_press = seizure_press[sample_seizure]
    truth_samples = aux_frame("truth_samples", {
        "sample_id": sample_ids, "seizure_id": seizure_ids[sample_seizure],
        "batch_id": _where(sample_batch >= 0, batch_names[np.maximum(sample_batch, 0)]),
        "press_id": _where(sample_press >= 0, press_names[np.maximum(sample_press, 0)]),
        "site_id": _where(sample_batch >= 0, site_ids[batch_site[np.maximum(sample_batch, 0)]]),
    })

    # --- people and the links around them -------------------------------------------------------------------
    people = generate_people(
        rng=rng, prng=prng, n_seizures=n, seizure_ids=seizure_ids, seizure_country=country,
        seizure_agency=agency, seizure_created=seizure_created,
        seizure_site=np.where(profiled, batch_site[np.maximum(seizure_batch, 0)], -1),
        site_ids=site_ids, site_country=site_country, site_agency=site_agency,
        site_created=sites["created_at"].to_numpy(), handling=lambda k: _handling(rng, k), source=SOURCE,
    )

    # --- operation outcomes: per participating country, from the records above ---------------------------------
    arrests = people.arrests_by_operation(seizure_frame)
    outcome_rows: dict[str, list[Any]] = {k: [] for k in ("operation_id", "country", "agency", "ref", "arrests",
                                                            "sites_dismantled", "created_at")}
    for k in range(n_ops):
        for c in op_countries[k]:
            outcome_rows["operation_id"].append(op_ids[k])
            outcome_rows["country"].append(c)
            outcome_rows["agency"].append(AGENCIES[c][0])
            outcome_rows["ref"].append(f"{op_ref[k]}/{c}")
            outcome_rows["arrests"].append(int(arrests.get((op_ids[k], c), 0)))
            outcome_rows["sites_dismantled"].append(int(((site_op == op_ids[k]) & (site_country == c)).sum()))
            outcome_rows["created_at"].append(op_end[k].astype("datetime64[s]"))
    n_out = len(outcome_rows["ref"])
    outcome_frame = record_frame("operation_outcomes", {
        **outcome_rows, "id": record_ids("oo", outcome_rows["country"], outcome_rows["agency"], outcome_rows["ref"]),
        "source": SOURCE, "handling_code": ["H1"] * n_out,
        "created_at": np.array(outcome_rows["created_at"], dtype="datetime64[s]"),
    })
    operation_frame = record_frame("operations", {
        "id": op_ids, "ref": op_ref, "country": op_lead, "agency": op_agency, "source": SOURCE,
        "handling_code": ["H1"] * n_ops, "created_at": op_start.astype("datetime64[s]"),
        "name": [f"Operation {OPERATION_NAMES[i]}" for i in range(n_ops)], "started_on": op_start,
        "ended_on": op_end, "countries": op_countries,
        "description": [f"Joint investigation into synthetic drug trafficking ({', '.join(c)})" for c in op_countries],
    })

    tables = {
        "operations": operation_frame, "operation_outcomes": outcome_frame, "seizures": seizure_frame,
        "seizure_substances": substance_frame, "samples": sample_frame, "target_sets": target_frame,
        "profiles": profile_frame, "tablets": tablet_frame, "production_sites": sites,
        "actors": people.actors, "links": people.links,
    }
    for frame in tables.values():
        frame["updated_at"] = frame["created_at"]
    return DemoData(tables=tables, truth={"truth_samples": truth_samples, "truth_actors": people.truth},
                    seed=seed, params={"seizures": n, "start": start, "end": end})
