"""Users, passwords, tokens and sessions on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime

import pytest

from crystal_palace.exceptions import InvalidInput
from crystal_palace.web.accounts import Accounts, secret_hash, utcnow

PASSWORD = "correct horse battery"


def add_alice(accounts: Accounts, **overrides):
    values = {"role": "analyst", "country": "NL", "agency": "Politie", "handling_codes": ["H0", "H1"]}
    values.update(overrides)
    return accounts.add_user("Alice", PASSWORD, **values)


def test_add_user_normalises_and_stores_an_argon2_hash(accounts):
    user = add_alice(accounts, country="nl")
    assert (user.username, user.role, user.country, user.handling_codes) == ("alice", "analyst", "NL",
                                                                              frozenset({"H0", "H1"}))
    (stored,) = accounts.db.fetchone("SELECT password_hash FROM web_users WHERE username = 'alice'")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.get_user("ALICE") == user and accounts.list_users() == [user] and accounts.count_users() == 1


@pytest.mark.parametrize("overrides,field", [
    ({"role": "superuser"}, "role"),
    ({"country": "NLD"}, "country"),
    ({"agency": " "}, "agency"),
    ({"handling_codes": ["H9"]}, "handling_codes"),
])
def test_bad_user_fields_are_named(accounts, overrides, field):
    with pytest.raises(InvalidInput) as caught:
        add_alice(accounts, **overrides)
    assert caught.value.field == field and caught.value.record == "alice"
    assert accounts.count_users() == 0


def test_bad_name_short_password_and_duplicates_are_refused(accounts):
    with pytest.raises(InvalidInput, match="user name"):
        accounts.add_user("a b", PASSWORD, role="viewer", country="NL", agency="x")
    with pytest.raises(InvalidInput, match="at least 10"):
        accounts.add_user("bob", "short", role="viewer", country="NL", agency="x")
    add_alice(accounts)
    with pytest.raises(InvalidInput, match="exists"):
        add_alice(accounts)


def test_authenticate_checks_password_and_active_flag(accounts):
    add_alice(accounts)
    assert accounts.authenticate("alice", PASSWORD).username == "alice"
    assert accounts.authenticate(" ALICE ", PASSWORD) is not None
    assert accounts.authenticate("alice", PASSWORD + "x") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    accounts.set_active("alice", False)
    assert accounts.authenticate("alice", PASSWORD) is None


def test_tokens_are_stored_hashed_expire_and_can_be_revoked(accounts):
    add_alice(accounts)
    token = accounts.issue_token("alice", label="script")
    assert token.startswith("cp_") and len(token) > 40
    stored = [r[0] for r in accounts.db.fetchall("SELECT token_hash FROM web_tokens")]
    assert stored == [secret_hash(token)] and token not in stored
    assert accounts.token_user(token).username == "alice"
    assert accounts.token_user(token + "x") is None
    accounts.set_active("alice", False)
    assert accounts.token_user(token) is None  # a disabled user's tokens stop at once
    accounts.set_active("alice", True)
    short = accounts.issue_token("alice", days=1)
    past = (utcnow() - datetime.timedelta(minutes=1)).isoformat(timespec="seconds")
    accounts.db.execute("UPDATE web_tokens SET expires_at = ? WHERE token_hash = ?", (past, secret_hash(short)))
    assert accounts.token_user(short) is None
    assert accounts.revoke_tokens("alice") == 2 and accounts.token_user(token) is None
    with pytest.raises(InvalidInput, match="no such user"):
        accounts.issue_token("nobody")


def test_sessions_expire_and_end_with_a_new_password(accounts):
    user = add_alice(accounts)
    cookie, session = accounts.create_session(user, hours=1)
    assert accounts.session(cookie).user.username == "alice"
    assert accounts.session(cookie).csrf_token == session.csrf_token and len(session.csrf_token) > 30
    assert accounts.session("forged") is None
    expired, _ = accounts.create_session(user, hours=-1)
    assert accounts.session(expired) is None
    accounts.set_password("alice", "another long password")
    assert accounts.session(cookie) is None
    assert accounts.authenticate("alice", "another long password") is not None
    other, _ = accounts.create_session(user, hours=1)
    accounts.end_session(other)
    assert accounts.session(other) is None


def test_shares_for_a_partner_agency(accounts):
    user = add_alice(accounts)
    accounts.share_agency(("PL", "CBZC"), ("NL", "Politie"), ["H0", "H1"], by="admin")
    accounts.share_agency(("PL", "CBZC"), ("NL", "Politie"), ["H0"], by="admin")  # replaces the first
    accounts.share_agency(("IT", "DCSA"), ("DE", "BKA"), ["H0"], by="admin")  # not for alice's agency
    accounts.share_records(["sz-1", "sz-2"], ("NL", "Politie"), by="admin")
    shares = accounts.shares_for(user)
    assert shares.agencies == {("PL", "CBZC"): frozenset({"H0"})}
    assert shares.records == frozenset({"sz-1", "sz-2"})


def test_production_hashing_uses_argon2id_with_the_recommended_parameters(monkeypatch):
    from crystal_palace.web.accounts import check_password, hash_password

    monkeypatch.undo()  # the real parameters (the other tests use cheaper ones)
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert check_password(stored, PASSWORD) and not check_password(stored, PASSWORD[:-1])


def test_a_token_only_account_cannot_log_in(accounts):
    accounts.add_user("robot", None, role="viewer", country="NL", agency="Politie")
    assert accounts.authenticate("robot", "!") is None and accounts.authenticate("robot", "") is None
    assert accounts.token_user(accounts.issue_token("robot")).username == "robot"


def test_too_many_failed_logins_lock_the_name_for_a_while(accounts):
    from crystal_palace.web.accounts import MAX_FAILED_LOGINS, LoginLocked

    add_alice(accounts)
    for _ in range(MAX_FAILED_LOGINS):
        assert accounts.authenticate("alice", "guess " * 3) is None
    with pytest.raises(LoginLocked, match="too many failed logins"):
        accounts.authenticate("alice", PASSWORD)  # even the right password, until the window passes
    past = (utcnow() - datetime.timedelta(hours=1)).isoformat(timespec="seconds")
    accounts.db.execute("UPDATE web_login_failures SET at = ?", (past,))
    assert accounts.authenticate("alice", PASSWORD) is not None
    for _ in range(MAX_FAILED_LOGINS):
        accounts.authenticate("alice", "guess " * 3)
    accounts.set_password("alice", "a reset password")  # an admin's reset lifts the lock
    assert accounts.authenticate("alice", "a reset password") is not None


def test_several_processes_can_open_the_same_accounts_database_at_once(accounts):
    import concurrent.futures

    from crystal_palace.web.accounts import Accounts

    url = accounts.db.url
    with concurrent.futures.ThreadPoolExecutor(4) as pool:  # each thread its own connection, as a worker
        opened = list(pool.map(lambda _: Accounts(url).count_users(), range(4)))
    assert opened == [0, 0, 0, 0]
