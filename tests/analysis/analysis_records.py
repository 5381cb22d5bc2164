"""A small, hand-made intelligence picture: one joint operation across Poland, the Netherlands and Italy.

Shared by the analysis tests (through ``conftest.py``) and the CLI and API tests of the analyses.
"""

from __future__ import annotations

import datetime
from typing import Any

AMPHETAMINE, MDMA = "KWTSXDURSIMDCE-UHFFFAOYSA-N", "SHXWCVYOXRDMCX-UHFFFAOYSA-N"


def _common(record_id: str, country: str, **fields: Any) -> dict[str, Any]:
    return {"id": record_id, "country": country, "agency": f"{country} police", "source": "test", "handling_code": "H1",
            **fields}


def build_records() -> dict[str, list[dict[str, Any]]]:
    return {
        "operations": [_common("op-1", "NL", name="Crystal Bridge", started_on="2026-03-01",
                               ended_on=datetime.date(2026, 3, 5), countries=["PL", "NL", "IT"])],
        "operation_outcomes": [_common("oo-1", "PL", operation_id="op-1", arrests=3, sites_dismantled=1),
                               _common("oo-2", "NL", operation_id="op-1", arrests=2, sites_dismantled=None)],
        "seizures": [
            _common("sz-1", "PL", ref="PL/1", seized_on="2026-03-02", place="Warszawa", lat=52.23, lon=21.01,
                    operation_id="op-1"),
            _common("sz-2", "NL", ref="NL/7", seized_on=datetime.date(2026, 3, 3), place="Rotterdam", lat=51.92,
                    lon=4.48, operation_id="op-1"),
            _common("sz-3", "IT", ref="IT/2", seized_on="2026-03-04", place="Milano", lat=None, lon=None,
                    operation_id="op-1"),
            _common("sz-4", "PL", ref="PL/0", seized_on="2025-12-01", place="Łódź", lat=51.76, lon=19.46),
        ],
        "seizure_substances": [
            _common("ss-1", "PL",
                    seizure_id="sz-1", inchikey=AMPHETAMINE, substance="amphetamine", quantity=2.0, unit="kg"),
            _common("ss-2", "PL",
                    seizure_id="sz-1", inchikey=MDMA, substance="MDMA", quantity=1000, unit="tablets"),
            _common("ss-3", "NL",
                    seizure_id="sz-2", inchikey=AMPHETAMINE, substance="amfetamine", quantity=500, unit="g"),
            _common("ss-4", "IT",
                    seizure_id="sz-3", substance="cocaine", quantity=None, unit=None),
            _common("ss-5", "PL",
                    seizure_id="sz-4", inchikey=MDMA, substance="MDMA", quantity=200, unit="tablets"),
        ],
        "samples": [_common("sa-1", "PL", seizure_id="sz-1", taken_on="2026-03-02"),
                    _common("sa-2", "NL", seizure_id="sz-2", taken_on=None),
                    _common("sa-3", "IT", seizure_id="sz-3", taken_on="2026-03-06")],
        "tablets": [_common("tb-1", "PL", seizure_id="sz-1", logo="Tesla"),
                    _common("tb-2", "PL", seizure_id="sz-4", logo="Tesla")],
        "production_sites": [_common("ps-1", "NL", site_type="synthesis", place="Limburg", lat=51.2, lon=5.9,
                                     dismantled_on="2026-03-04", operation_id="op-1", synthesis_route="Leuckart")],
        "actors": [_common("ac-1", "PL", schema="Person", name="Jan Kowalski"),
                   _common("ac-2", "PL", schema="Phone", phone="+48 600 000 000"),
                   _common("ac-3", "IT", schema="Person", name="Marco Rossi"),
                   _common("ac-4", "NL", schema="Company", name="Limburg Chemicals BV")],
        "links": [
            {"id": "ln-1", "type": "same_batch", "from_id": "sa-1", "to_id": "sa-2", "score": 120.0,
             "method": "profiles:sum-fourth_root-pearson", "explanation": '{"distance": 0.01, "lr": 120.0}'},
            {"id": "ln-2", "type": "same_press", "from_id": "tb-1", "to_id": "tb-2", "score": 40.0,
             "method": "tablets:logo+physical", "explanation": "same logo and diameter"},
            {"id": "ln-3", "type": "suspect_in", "from_id": "ac-1", "to_id": "sz-1", "method": "reported"},
            {"id": "ln-4", "type": "uses_phone", "from_id": "ac-1", "to_id": "ac-2", "method": "reported"},
            {"id": "ln-5", "type": "uses_phone", "from_id": "ac-3", "to_id": "ac-2", "method": "reported"},
            {"id": "ln-6", "type": "suspect_in", "from_id": "ac-3", "to_id": "sz-3", "method": "reported"},
            {"id": "ln-7", "type": "operates", "from_id": "ac-4", "to_id": "ps-1", "method": "reported"},
            {"id": "ln-8", "type": "arrested_at", "from_id": "ac-1", "to_id": "sz-1", "method": "reported"},
        ],
    }
