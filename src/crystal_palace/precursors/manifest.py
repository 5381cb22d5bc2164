"""Screen the rows of a manifest: identify each, classify its risk, estimate the drug it could make, total.

Each row is identified by CAS number, then structure, then product name; when CAS number and name
point to different substances, the riskier one is kept and the row carries a warning (a mislabelled
drum is what customs look for). The risk class is the precursor role (scheduled, designer,
pre_precursor), ``drug`` for a controlled drug, ``none``, or ``unknown`` when the row names nothing
the reference data knows. A row that cannot be read (bad CAS check digit, unparsable structure or
quantity) keeps its place with the reason in ``errors``; nothing is dropped.

Quantities are converted to kilograms (volumes with the density of the precursor data). The drug
estimate is ``kg x assumed molar yield x M(drug) / M(chemical)`` along the best route: an upper-bound
planning figure under the stated yields, not a forecast of what a laboratory achieved.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rdkit.Chem import rdMolDescriptors

from crystal_palace.exceptions import InvalidInput
from crystal_palace.precursors.assess import Assessor, PrecursorVerdict
from crystal_palace.precursors.knowledge import Knowledge
from crystal_palace.precursors.manifest_io import ManifestTable
from crystal_palace.precursors.resolve import Resolved, Resolver

RISKS = ("scheduled", "designer", "pre_precursor", "drug", "none", "unknown")
_RISK_ORDER = {r: i for i, r in enumerate(("drug", "scheduled", "designer", "pre_precursor", "none", "unknown"))}
FLAGGED = ("scheduled", "designer", "pre_precursor", "drug")
MASS_UNITS = {"kg": 1.0, "kgs": 1.0, "kilogram": 1.0, "kilograms": 1.0, "g": 1e-3, "gram": 1e-3, "grams": 1e-3,
              "mg": 1e-6, "t": 1000.0, "tonne": 1000.0, "tonnes": 1000.0, "ton": 1000.0, "tons": 1000.0,
              "mt": 1000.0, "lb": 0.45359237, "lbs": 0.45359237, "oz": 0.028349523}
VOLUME_UNITS = {"l": 1.0, "ltr": 1.0, "litre": 1.0, "litres": 1.0, "liter": 1.0, "liters": 1.0, "ml": 1e-3,
                "m3": 1000.0, "cbm": 1000.0, "gal": 3.785411784}
_NUMBER_UNIT = re.compile(r"^\s*([0-9][0-9.,' ]*)\s*([A-Za-z³0-9]*)\s*$")
YIELD_NOTE = ("Drug estimates are upper-bound planning figures: kg of chemical x the product of the molar yields "
              "assumed for each step (transformations.yaml, routes.yaml) x M(drug)/M(chemical), as the free base, "
              "along the route with the highest assumed yield. Alternative drugs of one chemical are not additive.")


def parse_number(text: str) -> float:
    """A quantity as a number, reading "1,000.5", "1.000,5", "1 000" and "2,5" as people write them.

    >>> parse_number("1.000,5"), parse_number("1,000.5"), parse_number("2,5")
    (1000.5, 1000.5, 2.5)
    """
    s = text.replace(" ", "").replace("'", "")
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif "," in s:
        parts = s.split(",")
        s = s.replace(",", "") if len(parts) > 2 or len(parts[-1]) == 3 else s.replace(",", ".")
    return float(s)


def quantity_kg(quantity: str, unit: str, density: float | None) -> tuple[float | None, str | None]:
    """The quantity in kg, or None with the reason it cannot be converted."""
    if not quantity:
        return None, None
    match = _NUMBER_UNIT.match(quantity)
    if match is None:
        return None, f"quantity {quantity!r} is not a number"
    try:
        value = parse_number(match.group(1))
    except ValueError:
        return None, f"quantity {quantity!r} is not a number"
    word = (match.group(2) or unit or "").strip().lower().rstrip(".")
    if not word:
        return None, "no unit given for the quantity (add a unit column or write e.g. '25 kg')"
    if value < 0:
        return None, f"quantity {quantity!r} is negative"
    if word in MASS_UNITS:
        return value * MASS_UNITS[word], None
    if word in VOLUME_UNITS:
        if density is None:
            return None, f"a volume ({quantity} {unit}) cannot be turned into a mass: no density for this chemical"
        return value * VOLUME_UNITS[word] * density, None
    return None, f"unit {word!r} is not a mass or volume unit"


@dataclass
class RowResult:
    """The screen of one manifest row."""

    row: int
    fields: dict[str, str]
    risk: str = "unknown"
    identified_as: str | None = None
    substance_id: str | None = None
    inchikey: str | None = None
    how: str | None = None
    verdict: PrecursorVerdict | None = None
    quantity_kg: float | None = None
    estimates: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    resolved: Resolved | None = field(default=None, repr=False)

    def error(self, field_name: str, reason: str) -> None:
        """Record a problem with one field of the row."""
        self.errors.append({"field": field_name, "reason": reason})

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the row."""
        v = self.verdict
        return {
            "row": self.row, **self.fields, "risk": self.risk, "identified_as": self.identified_as,
            "substance_id": self.substance_id, "inchikey": self.inchikey, "identified_by": self.how,
            "role": v.role if v else None, "category": v.category if v else None, "reason": v.reason if v else None,
            "leads_to": v.leads_to if v else [], "paths": [p.to_dict() for p in v.paths] if v else [],
            "quantity_kg": round(self.quantity_kg, 6) if self.quantity_kg is not None else None,
            "estimates": self.estimates, "warnings": self.warnings, "errors": self.errors,
        }


def risk_of(verdict: PrecursorVerdict) -> str:
    """The manifest risk class of a verdict."""
    return "drug" if verdict.drug else verdict.role


class ManifestScreen:
    """Screens rows with shared caches: a manifest repeats a few chemicals thousands of times."""

    def __init__(self, knowledge: Knowledge, assessor: Assessor, resolver: Resolver) -> None:
        self.knowledge = knowledge
        self.assessor = assessor
        self.resolver = resolver
        self._masses: dict[str, float] = {}
        self.cn_owners: dict[str, list[str]] = {}
        for facts in knowledge.facts.values():
            if facts.cn_code and facts.role == "" and facts.substance_id in assessor.finder.scheduled:
                self.cn_owners.setdefault(facts.cn_code, []).append(assessor.library.by_id[facts.substance_id].name)

    def verdict(self, resolved: Resolved) -> PrecursorVerdict:
        """The precursor verdict of a resolved substance (cached by the assessor)."""
        if resolved.reagent is not None:
            return self.assessor.assess_reagent(resolved.reagent)
        if resolved.salt is not None:
            return self.assessor.assess_salt(resolved.salt)
        assert resolved.mol is not None
        return self.assessor.assess(resolved.mol, resolved.key, resolved.entry)

    def _mass(self, resolved: Resolved) -> float:
        key = resolved.key
        if key not in self._masses:
            assert resolved.mol is not None
            self._masses[key] = rdMolDescriptors.CalcExactMolWt(resolved.mol)
        return self._masses[key]

    def screen_row(self, table: ManifestTable, line: int, cells: tuple[str, ...]) -> RowResult:
        """Identify, classify and estimate one row; never raises for a bad cell."""
        fields = {f: table.value(cells, f) for f in ("product", "cas", "cn_code", "quantity", "unit",
                                                      "consignor", "consignee", "structure")}
        result = RowResult(row=line, fields=fields)
        record = f"{table.source}, row {line}"
        candidates: list[Resolved] = []
        if fields["cas"]:
            try:
                found = self.resolver.by_cas(fields["cas"], record)
                if found is None:
                    result.warnings.append(f"CAS number {fields['cas']} is valid but not in the reference data")
                else:
                    candidates.append(found)
            except InvalidInput as exc:
                result.error("cas", exc.reason)
        if fields["structure"]:
            try:
                candidates.append(self.resolver.by_structure(fields["structure"], record))
            except InvalidInput as exc:
                result.error("structure", exc.reason)
        if fields["product"]:
            by_name = self.resolver.by_name(fields["product"])
            if by_name is not None:
                candidates.append(by_name)
            elif not candidates:
                result.warnings.append(f"product name {fields['product']!r} is not in the reference data")
        if not any(fields[f] for f in ("cas", "structure", "product")):
            result.error("product", "no product name, CAS number or structure in this row")
        if candidates:
            self._classify(result, candidates)
        self._quantities(result, table.header_unit)
        self._check_cn(result)
        return result

    def _classify(self, result: RowResult, candidates: list[Resolved]) -> None:
        judged = [(c, self.verdict(c)) for c in candidates]
        identities = {c.identity for c, _ in judged}
        chosen, verdict = min(judged, key=lambda cv: _RISK_ORDER[risk_of(cv[1])])
        if len(identities) > 1:
            names = " / ".join(dict.fromkeys(f"{c.label} (by {c.how})" for c, _ in judged))
            result.warnings.append(f"the row's identifiers disagree: {names}; the riskier is kept")
        result.risk, result.verdict = risk_of(verdict), verdict
        result.identified_as, result.how = chosen.label, chosen.how
        result.substance_id = chosen.entry.id if chosen.entry else None
        result.inchikey = chosen.key or None
        result.warnings.extend(chosen.warnings)
        result.resolved = chosen

    def _quantities(self, result: RowResult, header_unit: str | None) -> None:
        fields = result.fields
        verdict = result.verdict
        facts = self.knowledge.facts.get(result.substance_id or "")
        density = facts.density_g_ml if facts else None
        kg, problem = quantity_kg(fields["quantity"], fields["unit"] or header_unit or "", density)
        if problem:
            result.error("quantity", problem)
        result.quantity_kg = kg
        if kg is None or verdict is None or result.risk not in ("scheduled", "designer", "pre_precursor"):
            return
        resolved = result.resolved
        for lead in verdict.leads:
            if lead.yield_ is None or resolved is None or resolved.mol is None:
                result.estimates.append({"drug": lead.drug.name, "drug_id": lead.drug.id, "estimate_kg": None,
                                         "assumed_yield": None, "via": list(lead.via),
                                         "note": "reagent or solvent of the route: no quantity estimate"})
                continue
            drug_mass = rdMolDescriptors.CalcExactMolWt(lead.drug.mol)
            estimate = kg * lead.yield_ * drug_mass / self._mass(resolved)
            result.estimates.append({"drug": lead.drug.name, "drug_id": lead.drug.id,
                                     "estimate_kg": round(estimate, 6), "assumed_yield": round(lead.yield_, 4),
                                     "via": list(lead.via)})

    def _check_cn(self, result: RowResult) -> None:
        declared = re.sub(r"\D", "", result.fields["cn_code"])
        if not declared:
            return
        verdict = result.verdict
        if verdict is not None and verdict.cn_code:
            n = min(len(declared), len(verdict.cn_code))
            if n < 4 or declared[:n] != verdict.cn_code[:n]:
                result.warnings.append(f"declared CN code {result.fields['cn_code']} differs from {verdict.cn_code}, "
                                       f"the code of {result.identified_as}")
            return
        owners = self.cn_owners.get(declared[:8])
        if owners and result.risk in ("none", "unknown"):
            result.warnings.append(f"declared CN code {result.fields['cn_code']} is the code of the scheduled "
                                   f"precursor(s) {', '.join(owners[:3])}")


def totals(rows: list[RowResult]) -> dict[str, Any]:
    """Counts per risk, and sums per consignee and per target drug (with the yield assumption stated)."""
    by_risk = Counter(r.risk for r in rows)
    consignees: dict[str, dict[str, Any]] = {}
    drugs: dict[str, dict[str, Any]] = {}
    for r in rows:
        name = r.fields.get("consignee") or "(no consignee)"
        c = consignees.setdefault(name, {"consignee": name, "rows": 0, "flagged_rows": 0, "flagged_kg": 0.0,
                                         "by_risk": Counter(), "drug_estimates_kg": Counter()})
        c["rows"] += 1
        c["by_risk"][r.risk] += 1
        if r.risk in FLAGGED:
            c["flagged_rows"] += 1
            c["flagged_kg"] += r.quantity_kg or 0.0
        for e in r.estimates:
            d = drugs.setdefault(e["drug"], {"drug": e["drug"], "drug_id": e["drug_id"], "rows": 0,
                                             "chemical_kg": 0.0, "estimate_kg": 0.0, "reagent_rows": 0,
                                             "reagent_kg": 0.0, "chemicals": Counter()})
            d["rows"] += 1
            d["chemicals"][r.identified_as or "?"] += 1
            if e["estimate_kg"] is None:  # a reagent or solvent: counted, not turned into drug
                d["reagent_rows"] += 1
                d["reagent_kg"] += r.quantity_kg or 0.0
            else:
                d["chemical_kg"] += r.quantity_kg or 0.0
                d["estimate_kg"] += e["estimate_kg"]
                c["drug_estimates_kg"][e["drug"]] += e["estimate_kg"]
    for c in consignees.values():
        c["by_risk"] = dict(c["by_risk"])
        c["flagged_kg"] = round(c["flagged_kg"], 6)
        c["drug_estimates_kg"] = {k: round(v, 6) for k, v in c["drug_estimates_kg"].items()}
    for d in drugs.values():
        d["chemicals"] = dict(d["chemicals"])
        for k in ("chemical_kg", "estimate_kg", "reagent_kg"):
            d[k] = round(d[k], 6)
    return {
        "rows": len(rows), "by_risk": {k: by_risk.get(k, 0) for k in RISKS},
        "rows_with_errors": sum(1 for r in rows if r.errors),
        "by_consignee": sorted(consignees.values(), key=lambda c: (-c["flagged_rows"], c["consignee"])),
        "by_drug": sorted(drugs.values(), key=lambda d: (-d["estimate_kg"], d["drug"])),
        "yield_assumption": YIELD_NOTE,
    }
