"""The exchange workflows end to end: two agencies, files between them, an audit trail on each side."""

import datetime
import json

import pytest

import crystal_palace
from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.audit import verify_log
from crystal_palace.exchange.inbox import DuckDBFile, Inbox
from crystal_palace.exchange.keys import ExchangeSecret
from crystal_palace.exchange.package import PackageRejected, PartyKeys
from crystal_palace.exchange.population import corrupt, population
from crystal_palace.workflows.exchange import encode_records, match_encodings, pack, retract, unpack

PL = PartyKeys.generate("PL-CBSP")
IT = PartyKeys.generate("IT-DCSA")
NL = PartyKeys.generate("NL-POLITIE")


def test_public_names():
    for name in ("encode_records", "match_encodings", "pack", "unpack", "retract"):
        assert name in crystal_palace.__all__ and callable(getattr(crystal_palace, name))


def test_round_between_two_agencies(tmp_path):
    secret = ExchangeSecret.generate()
    people = population(300, seed=8)
    pl_side, it_side = people[:150], corrupt(people[100:], errors=1, seed=9)
    pl_audit, it_audit = tmp_path / "pl.jsonl", tmp_path / "it.jsonl"
    pl_enc = encode_records(pl_side, secret, out=tmp_path / "pl.json", mapping_out=tmp_path / "pl-map.json",
                            audit=pl_audit)
    encode_records(it_side, secret, out=tmp_path / "it.json", audit=it_audit)
    # the encodings travel in a package too
    enc_package = pack(tmp_path / "it.json", sender=IT, recipient=PL.public, audit=it_audit)
    assert enc_package["header"]["content_type"] == "encodings"
    opened = unpack(enc_package, recipient=PL, trusted=[IT.public], audit=pl_audit)
    (tmp_path / "it-received.json").write_text(json.dumps(opened.content))
    report = match_encodings(pl_enc, tmp_path / "it-received.json", threshold=0.8, audit=pl_audit)
    mapping = json.loads((tmp_path / "pl-map.json").read_text())
    hit_ids = sorted(mapping[p["a"]] for p in report.pairs)
    assert hit_ids == sorted(f"p{n}" for n in range(100, 150))
    # PL sends the hits' records to IT with H2
    records = [dict(p, type="Person") for p in pl_side if p["id"] in hit_ids]
    package = pack(records, sender=PL, recipient=IT.public, handling="H2", provenance={"case": "PL/1"},
                   out=tmp_path / "hits.pkg", audit=pl_audit)
    result = unpack(tmp_path / "hits.pkg", recipient=IT, trusted=[PL.public], store=tmp_path / "it.duckdb",
                    audit=it_audit)
    assert result.imported.stored == 50 and result.header["package_id"] == package["header"]["package_id"]
    # IT links one of its own records to a received one; then PL retracts that record
    db = DuckDBFile(tmp_path / "it.duckdb")
    Inbox(db).add_link("it-local-1", hit_ids[0], score=0.97, basis="exchange hit")
    db.close()
    withdrawal = retract([hit_ids[0]], sender=PL, recipient=IT.public, reason="identity corrected",
                         audit=pl_audit)
    done = unpack(withdrawal, recipient=IT, trusted=[PL.public], store=tmp_path / "it.duckdb", audit=it_audit)
    assert done.removed == {"exchange_links": 1, "exchange_received": 1}
    db = DuckDBFile(tmp_path / "it.duckdb")
    remaining = {r["record_id"] for r in Inbox(db).received()}
    db.close()
    assert hit_ids[0] not in remaining and len(remaining) == 49
    events = [e["event"] for e in json.loads("[" + ",".join(pl_audit.read_text().splitlines()) + "]")]
    assert events == ["encoded", "received", "matched", "sent", "retraction-sent"]
    assert verify_log(pl_audit) == 5 and verify_log(it_audit) == 4  # encoded, sent, received, retracted


def test_rejections_are_audited(tmp_path):
    package = pack([{"id": "x"}], sender=PL, recipient=IT.public, valid_days=1, audit=False)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)
    with pytest.raises(PackageRejected, match="expired"):
        unpack(package, recipient=IT, trusted=[PL.public], now=later, audit=tmp_path / "a.jsonl")
    (entry,) = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert entry["event"] == "rejected" and "expired" in entry["reason"]


def test_received_h2_records_are_not_passed_on():
    record = {"id": "pl-1", "received_from": "PL-CBSP", "handling": "H2"}
    with pytest.raises(InvalidInput, match="not to be passed on without PL-CBSP's permission"):
        pack([record], sender=IT, recipient=NL.public, audit=False)
    pack([record], sender=IT, recipient=PL.public, audit=False)  # back to the owner is fine
    pack([{**record, "handling": "H0"}], sender=IT, recipient=NL.public, audit=False)


def test_retraction_only_from_the_sender(tmp_path):
    records = pack([{"id": "pl-9"}], sender=PL, recipient=IT.public, audit=False)
    unpack(records, recipient=IT, trusted=[PL.public], store=tmp_path / "it.duckdb", audit=False)
    forged = retract(["pl-9"], sender=NL, recipient=IT.public, audit=False)
    with pytest.raises(InvalidInput, match="NL-POLITIE cannot retract"):
        unpack(forged, recipient=IT, trusted=[PL.public, NL.public], store=tmp_path / "it.duckdb", audit=False)


def test_read_records_formats(tmp_path):
    (tmp_path / "r.csv").write_text("id, given_name\n1, Anna\n")
    (tmp_path / "r.jsonl").write_text('{"id": "1", "given_name": "Anna"}\n')
    a = encode_records(tmp_path / "r.csv", ExchangeSecret(b"k" * 32), audit=False)
    b = encode_records(tmp_path / "r.jsonl", ExchangeSecret(b"k" * 32), audit=False)
    assert (a.bits == b.bits).all()
    (tmp_path / "r.xml").write_text("<x/>")
    with pytest.raises(InvalidInput, match="csv"):
        encode_records(tmp_path / "r.xml", ExchangeSecret(b"k" * 32), audit=False)
