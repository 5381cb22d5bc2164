"""Packages: round trip, and rejection of tampered, forged, expired, misaddressed packages."""

import base64
import copy
import datetime

import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.exchange.package import PackageRejected, PartyKeys, PartyPublic, open_package, seal_package

PL = PartyKeys.generate("PL-CBSP")
IT = PartyKeys.generate("IT-DCSA")
NL = PartyKeys.generate("NL-POLITIE")
CONTENT = {"records": [{"id": "pl-1", "type": "Person", "name": "Jan Kowalski"}]}


def sealed(**kwargs):
    return seal_package(CONTENT, sender=PL, recipient=IT.public, content_type="records",
                        provenance={"country": "PL", "case": "PL/2025/77"}, **kwargs)


def opened(package, **kwargs):
    return open_package(package, recipient=kwargs.pop("recipient", IT),
                        trusted=kwargs.pop("trusted", {"PL-CBSP": PL.public}), **kwargs)


def test_round_trip_header_and_content():
    package = sealed(handling="H1")
    assert "Kowalski" not in str(package)
    header, content = opened(package)
    assert content == CONTENT
    assert header["sender"] == "PL-CBSP" and header["recipient"] == "IT-DCSA" and header["handling"] == "H1"
    assert header["provenance"]["case"] == "PL/2025/77"


@pytest.mark.parametrize("change", ["header", "ciphertext", "signature"])
def test_tampering_rejected(change):
    package = copy.deepcopy(sealed())
    if change == "header":
        package["header"]["handling"] = "H0"
    else:
        raw = bytearray(base64.b64decode(package[change]))
        raw[3] ^= 0x01
        package[change] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(PackageRejected, match="signature does not verify") as info:
        opened(package)
    assert package["header"]["package_id"] in str(info.value)


def test_extended_expiry_is_tampering():
    package = copy.deepcopy(sealed())
    package["header"]["expires"] = "2999-01-01T00:00:00+00:00"
    with pytest.raises(PackageRejected, match="signature"):
        opened(package)


def test_expired_rejected():
    package = sealed(valid_days=2)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3)
    with pytest.raises(PackageRejected, match="expired on"):
        opened(package, now=later)


def test_forged_sender_rejected():
    forged = seal_package(CONTENT, sender=PartyKeys.generate("PL-CBSP"), recipient=IT.public,
                          content_type="records")
    with pytest.raises(PackageRejected, match="signature does not verify"):
        opened(forged)


def test_unknown_sender_and_wrong_recipient():
    with pytest.raises(PackageRejected, match="unknown sender"):
        opened(sealed(), trusted={})
    with pytest.raises(PackageRejected, match="addressed to 'IT-DCSA'"):
        opened(sealed(), recipient=NL)


def test_not_a_package():
    with pytest.raises(PackageRejected, match="not a Crystal Palace package"):
        opened({"header": {"format": "zip"}})


def test_bad_handling_code_and_expiry():
    with pytest.raises(InvalidInput, match="handling code"):
        sealed(handling="SECRET")
    now = datetime.datetime.now(datetime.UTC)
    with pytest.raises(InvalidInput, match="expiry"):
        sealed(created=now, expires=now - datetime.timedelta(days=1))


def test_key_files_round_trip(tmp_path):
    private, public = PL.save(tmp_path)
    import json
    back = PartyKeys.from_dict(json.loads(private.read_text()))
    assert back.public == PL.public
    assert PartyPublic.from_dict(json.loads(public.read_text())) == PL.public
    assert oct(private.stat().st_mode & 0o777) == "0o600"
