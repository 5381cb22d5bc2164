"""The audit log is append-only and tamper-evident."""

import json

import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.audit import AuditLog, verify_log


def test_chain_and_tamper_detection(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append("sent", package_id="p1", recipient="IT")
    log.append("received", package_id="p2", sender="NL")
    log.append("matched", matched=3)
    assert verify_log(log.path) == 3
    assert [e["event"] for e in log.entries()] == ["sent", "received", "matched"]
    lines = log.path.read_text().splitlines()
    edited = json.loads(lines[1])
    edited["sender"] = "DE"
    log.path.write_text("\n".join([lines[0], json.dumps(edited), lines[2]]) + "\n")
    with pytest.raises(InvalidInput, match="entry 2"):
        verify_log(log.path)
    log.path.write_text("\n".join([lines[0], lines[2]]) + "\n")  # a deleted line
    with pytest.raises(InvalidInput, match="entry 2"):
        verify_log(log.path)
