"""Users, roles, API tokens and sessions, kept in the accounts database (:mod:`crystal_palace.web.db`).

Passwords are stored as argon2id hashes (the winner of the Password Hashing Competition, slow on
purpose). API tokens and session ids are long random strings that are shown once and stored only as
their SHA-256: they are random, so a fast hash is enough, and a stolen database does not yield a
working token. Every user has a role, a country and an agency, and the handling codes he is cleared
for; :mod:`crystal_palace.web.scoping` turns those into what he may see.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, cast

from crystal_palace.exceptions import CrystalPalaceError, InvalidInput
from crystal_palace.store.model import HANDLING_CODES
from crystal_palace.web.db import Database

Role = Literal["admin", "analyst", "chemist", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "analyst", "chemist", "viewer")
"""admin: everything, users included; analyst: intelligence records and every job; chemist: the
chemistry jobs (identify, spectra, precursors); viewer: reads, identifies, and changes nothing."""

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
MIN_PASSWORD = 10
MAX_FAILED_LOGINS = 10
LOCKOUT_MINUTES = 15
"""After this many failed logins for one user name within this many minutes, logins for that name are
refused (even with the right password) until the window has passed: guessing is slowed to a crawl,
and the audit trail shows it."""
NO_PASSWORD = "!"
"""The stored hash of an account without a password: no password matches it (tokens only)."""
TOKEN_PREFIX = "cp_"


@dataclass(frozen=True)
class User:
    """An authenticated person: who, with which role, for which country and agency, cleared for what."""

    username: str
    role: Role
    country: str
    agency: str
    handling_codes: frozenset[str] = field(default_factory=lambda: frozenset(HANDLING_CODES))
    full_name: str = ""
    active: bool = True
    shares: Shares = field(default_factory=lambda: Shares(), compare=False, hash=False)
    """What partners shared with the user's agency (filled in by the security layer on each request)."""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (no secrets: the user record holds none but its hash, which is not loaded)."""
        return {"username": self.username, "role": self.role, "country": self.country, "agency": self.agency,
                "handling_codes": sorted(self.handling_codes), "full_name": self.full_name, "active": self.active}


class LoginLocked(CrystalPalaceError):
    """Too many failed logins for one user name: wait :data:`LOCKOUT_MINUTES`."""

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"too many failed logins for {username!r}; try again in {LOCKOUT_MINUTES} minutes")


@dataclass(frozen=True)
class Session:
    """A logged-in browser: the user, the token every form must echo (CSRF), and when it ends."""

    user: User
    csrf_token: str
    expires_at: datetime.datetime


def utcnow() -> datetime.datetime:
    """Now, in UTC (naive timestamps in the database are UTC)."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _iso(moment: datetime.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def secret_hash(secret: str) -> str:
    """The stored form of a token or session id."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def random_password(length: int = 20) -> str:
    """A password for a first login (letters and digits, easy to type, about 119 bits)."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


@lru_cache(maxsize=1)
def _hasher() -> Any:
    from argon2 import PasswordHasher  # imported on first use: `--help` does not pay for it

    return PasswordHasher()  # argon2id, the library's current recommended parameters


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (with its salt and parameters)."""
    return str(_hasher().hash(password))


def check_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(stored_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def require_handling_codes(codes: Iterable[str], record: str | None = None) -> frozenset[str]:
    """The handling codes, upper-cased and checked against :data:`HANDLING_CODES`."""
    cleaned = frozenset(c.strip().upper() for c in codes if c.strip())
    unknown = sorted(cleaned - set(HANDLING_CODES))
    if unknown:
        raise InvalidInput(f"unknown handling code(s) {', '.join(unknown)}; known: {', '.join(HANDLING_CODES)}",
                           field="handling_codes", record=record)
    return cleaned


def _schema(dialect: str) -> list[str]:
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if dialect == "sqlite" else "BIGSERIAL PRIMARY KEY"
    return [
        """CREATE TABLE IF NOT EXISTS web_users (
             username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL,
             country TEXT NOT NULL, agency TEXT NOT NULL, handling_codes TEXT NOT NULL,
             full_name TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS web_tokens (
             token_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES web_users(username) ON DELETE CASCADE,
             label TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, expires_at TEXT)""",
        """CREATE TABLE IF NOT EXISTS web_sessions (
             session_hash TEXT PRIMARY KEY,
             username TEXT NOT NULL REFERENCES web_users(username) ON DELETE CASCADE,
             csrf_token TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS web_shares (
             owner_country TEXT NOT NULL, owner_agency TEXT NOT NULL, partner_country TEXT NOT NULL,
             partner_agency TEXT NOT NULL, handling_codes TEXT NOT NULL, created_by TEXT NOT NULL,
             created_at TEXT NOT NULL,
             PRIMARY KEY (owner_country, owner_agency, partner_country, partner_agency))""",
        """CREATE TABLE IF NOT EXISTS web_record_shares (
             record_id TEXT NOT NULL, partner_country TEXT NOT NULL, partner_agency TEXT NOT NULL,
             shared_by TEXT NOT NULL, shared_at TEXT NOT NULL,
             PRIMARY KEY (record_id, partner_country, partner_agency))""",
        f"""CREATE TABLE IF NOT EXISTS web_audit (
             id {serial}, at TEXT NOT NULL, username TEXT, method TEXT NOT NULL, route TEXT NOT NULL,
             path TEXT NOT NULL, record_ids TEXT NOT NULL DEFAULT '', status INTEGER NOT NULL,
             outcome TEXT NOT NULL, client TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '')""",
        """CREATE TABLE IF NOT EXISTS web_login_failures (username TEXT NOT NULL, at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS web_login_failures_user ON web_login_failures (username, at)",
        "CREATE INDEX IF NOT EXISTS web_audit_at ON web_audit (at)",
        "CREATE INDEX IF NOT EXISTS web_audit_user ON web_audit (username)",
    ]


_USER_COLUMNS = "u.username, u.role, u.country, u.agency, u.handling_codes, u.full_name, u.active"


def _user(row: tuple[object, ...]) -> User:
    username, role, country, agency, codes, full_name, active = row
    return User(str(username), cast(Role, role), str(country), str(agency),
                frozenset(c for c in str(codes).split(",") if c), str(full_name), bool(active))


class Accounts:
    """The users, tokens, sessions and sharing agreements of one installation."""

    def __init__(self, url: str) -> None:
        self.db = Database(url)
        with self.db.transaction():
            if self.db.dialect == "postgresql":  # workers starting together must not race on CREATE TABLE
                self.db.execute("SELECT pg_advisory_xact_lock(4242424242)")
            for statement in _schema(self.db.dialect):
                self.db.execute(statement)

    # users -----------------------------------------------------------------------------------------
    def add_user(self, username: str, password: str | None, *, role: str, country: str, agency: str,
                 handling_codes: Iterable[str] = HANDLING_CODES, full_name: str = "") -> User:
        """Create a user; every field is checked and a bad one named (``InvalidInput``).

        ``password=None`` makes an account that cannot log in and works only with API tokens (a service
        account, or a test user).
        """
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise InvalidInput("a user name is 2-64 characters: lower-case letters, digits, '.', '_', '@', '-'",
                               field="username", record=username or None)
        if role not in ROLES:
            raise InvalidInput(f"unknown role {role!r}; roles: {', '.join(ROLES)}", field="role", record=username)
        country = country.strip().upper()
        if not COUNTRY.match(country):
            raise InvalidInput(f"country must be an ISO 3166-1 alpha-2 code (e.g. NL), not {country!r}",
                               field="country", record=username)
        if not agency.strip():
            raise InvalidInput("agency is required", field="agency", record=username)
        if password is not None and len(password) < MIN_PASSWORD:
            raise InvalidInput(f"a password has at least {MIN_PASSWORD} characters", field="password",
                               record=username)
        codes = require_handling_codes(handling_codes, record=username)
        if self.get_user(username) is not None:
            raise InvalidInput("a user with this name exists", field="username", record=username)
        self.db.execute(
            "INSERT INTO web_users (username, password_hash, role, country, agency, handling_codes, full_name,"
            " active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
            (username, NO_PASSWORD if password is None else hash_password(password), role, country,
             agency.strip(), ",".join(sorted(codes)), full_name, _iso(utcnow())))
        return User(username, role, country, agency.strip(), codes, full_name)

    def get_user(self, username: str) -> User | None:
        """The user called ``username`` (active or not), or None."""
        row = self.db.fetchone(f"SELECT {_USER_COLUMNS} FROM web_users u WHERE u.username = ?",
                               (username.strip().lower(),))
        return None if row is None else _user(row)

    def list_users(self) -> list[User]:
        """Every user, by name."""
        return [_user(r) for r in self.db.fetchall(f"SELECT {_USER_COLUMNS} FROM web_users u ORDER BY u.username")]

    def count_users(self) -> int:
        """How many users exist (0 on a first run)."""
        row = self.db.fetchone("SELECT COUNT(*) FROM web_users")
        return int(row[0]) if row else 0

    def set_password(self, username: str, password: str) -> None:
        """Replace a user's password and end his sessions."""
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"a password has at least {MIN_PASSWORD} characters", field="password",
                               record=username)
        if not self.db.execute("UPDATE web_users SET password_hash = ? WHERE username = ?",
                               (hash_password(password), username)):
            raise InvalidInput("no such user", field="username", record=username)
        self.db.execute("DELETE FROM web_sessions WHERE username = ?", (username,))
        self.db.execute("DELETE FROM web_login_failures WHERE username = ?", (username,))

    def set_active(self, username: str, active: bool) -> None:
        """Enable or disable a user (a disabled user's sessions and tokens stop working at once)."""
        if not self.db.execute("UPDATE web_users SET active = ? WHERE username = ?", (int(active), username)):
            raise InvalidInput("no such user", field="username", record=username)

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user whose name and password match, else None (the same time either way).

        Raises :class:`LoginLocked` when the name had too many failed logins recently.
        """
        name = username.strip().lower()
        since = _iso(utcnow() - datetime.timedelta(minutes=LOCKOUT_MINUTES))
        failures = self.db.fetchone("SELECT COUNT(*) FROM web_login_failures WHERE username = ? AND at > ?",
                                    (name, since))
        if failures and int(failures[0]) >= MAX_FAILED_LOGINS:
            raise LoginLocked(name)
        row = self.db.fetchone(f"SELECT {_USER_COLUMNS}, u.password_hash FROM web_users u WHERE u.username = ?",
                               (name,))
        if row is None:
            check_password(_DUMMY_HASH(), password)  # do not reveal which names exist by timing
            user = None
        else:
            user = _user(row[:-1])
            if not check_password(str(row[-1]), password) or not user.active:
                user = None
        if user is None:
            self.db.execute("DELETE FROM web_login_failures WHERE at <= ?", (since,))
            self.db.execute("INSERT INTO web_login_failures (username, at) VALUES (?, ?)", (name, _iso(utcnow())))
        return user

    # tokens ----------------------------------------------------------------------------------------
    def issue_token(self, username: str, *, label: str = "", days: float | None = None) -> str:
        """A new API token for ``username``, returned once (only its hash is stored)."""
        if self.get_user(username) is None:
            raise InvalidInput("no such user", field="username", record=username)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = None if days is None else _iso(utcnow() + datetime.timedelta(days=days))
        self.db.execute("INSERT INTO web_tokens (token_hash, username, label, created_at, expires_at)"
                        " VALUES (?, ?, ?, ?, ?)", (secret_hash(token), username, label, _iso(utcnow()), expires))
        return token

    def token_user(self, token: str) -> User | None:
        """The active user a token belongs to, or None (unknown, expired or disabled)."""
        row = self.db.fetchone(
            f"SELECT {_USER_COLUMNS}, t.expires_at FROM web_tokens t JOIN web_users u ON u.username = t.username"
            " WHERE t.token_hash = ?", (secret_hash(token),))
        if row is None or (row[-1] is not None and str(row[-1]) <= _iso(utcnow())):
            return None
        user = _user(row[:-1])
        return user if user.active else None

    def revoke_tokens(self, username: str) -> int:
        """Revoke every token of ``username``; return how many there were."""
        return self.db.execute("DELETE FROM web_tokens WHERE username = ?", (username,))

    # sessions --------------------------------------------------------------------------------------
    def create_session(self, user: User, hours: float) -> tuple[str, Session]:
        """A new session for ``user``: the cookie value (shown once) and the session."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = utcnow() + datetime.timedelta(hours=hours)
        self.db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (_iso(utcnow()),))
        self.db.execute("INSERT INTO web_sessions (session_hash, username, csrf_token, created_at, expires_at)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (secret_hash(session_id), user.username, csrf, _iso(utcnow()), _iso(expires)))
        return session_id, Session(user, csrf, expires)

    def session(self, session_id: str) -> Session | None:
        """The live session behind a cookie value, or None (unknown, expired, or its user disabled)."""
        row = self.db.fetchone(
            f"SELECT {_USER_COLUMNS}, s.csrf_token, s.expires_at FROM web_sessions s"
            " JOIN web_users u ON u.username = s.username WHERE s.session_hash = ?", (secret_hash(session_id),))
        if row is None:
            return None
        expires = datetime.datetime.fromisoformat(str(row[-1]))
        user = _user(row[:-2])
        if expires <= utcnow() or not user.active:
            return None
        return Session(user, str(row[-2]), expires)

    def end_session(self, session_id: str) -> None:
        """Log out: the cookie value stops working."""
        self.db.execute("DELETE FROM web_sessions WHERE session_hash = ?", (secret_hash(session_id),))

    # sharing ---------------------------------------------------------------------------------------
    def share_agency(self, owner: tuple[str, str], partner: tuple[str, str], handling_codes: Iterable[str],
                     *, by: str) -> None:
        """Let ``partner`` (country, agency) see ``owner``'s records that carry one of ``handling_codes``."""
        codes = require_handling_codes(handling_codes)
        for (country, agency), side in ((owner, "owner"), (partner, "partner")):
            if not COUNTRY.match(country) or not agency.strip():
                raise InvalidInput(f"a {side} is an ISO-2 country and an agency, not {country!r} {agency!r}",
                                   field=side)
        self.db.execute("DELETE FROM web_shares WHERE owner_country = ? AND owner_agency = ? AND"
                        " partner_country = ? AND partner_agency = ?", (*owner, *partner))
        self.db.execute("INSERT INTO web_shares VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (*owner, *partner, ",".join(sorted(codes)), by, _iso(utcnow())))

    def unshare_agency(self, owner: tuple[str, str], partner: tuple[str, str]) -> bool:
        """End a sharing agreement; True when there was one."""
        return bool(self.db.execute("DELETE FROM web_shares WHERE owner_country = ? AND owner_agency = ? AND"
                                    " partner_country = ? AND partner_agency = ?", (*owner, *partner)))

    def list_shares(self) -> list[dict[str, object]]:
        """Every sharing agreement: owner, partner, handling codes, who made it and when."""
        rows = self.db.fetchall("SELECT owner_country, owner_agency, partner_country, partner_agency, handling_codes,"
                                " created_by, created_at FROM web_shares ORDER BY 1, 2, 3, 4")
        return [{"owner_country": r[0], "owner_agency": r[1], "partner_country": r[2], "partner_agency": r[3],
                 "handling_codes": str(r[4]).split(","), "created_by": r[5], "created_at": r[6]} for r in rows]

    def share_records(self, record_ids: Iterable[str], partner: tuple[str, str], *, by: str) -> None:
        """Share individual records with ``partner`` (country, agency)."""
        now = _iso(utcnow())
        with self.db.transaction():
            for record_id in record_ids:
                self.db.execute("DELETE FROM web_record_shares WHERE record_id = ? AND partner_country = ? AND"
                                " partner_agency = ?", (record_id, *partner))
                self.db.execute("INSERT INTO web_record_shares VALUES (?, ?, ?, ?, ?)",
                                (record_id, *partner, by, now))

    def shares_for(self, user: User) -> Shares:
        """What partners shared with ``user``'s agency: agency agreements and individual records."""
        agencies = {(str(c), str(a)): frozenset(str(codes).split(",")) for c, a, codes in self.db.fetchall(
            "SELECT owner_country, owner_agency, handling_codes FROM web_shares WHERE partner_country = ?"
            " AND partner_agency = ?", (user.country, user.agency))}
        records = frozenset(str(r[0]) for r in self.db.fetchall(
            "SELECT record_id FROM web_record_shares WHERE partner_country = ? AND partner_agency = ?",
            (user.country, user.agency)))
        return Shares(agencies, records)


@dataclass(frozen=True)
class Shares:
    """What partners shared with one agency: ``{(country, agency): handling codes}`` and record ids."""

    agencies: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    records: frozenset[str] = frozenset()


_dummy: list[str] = []


def _DUMMY_HASH() -> str:  # noqa: N802 - a constant computed once, lazily
    if not _dummy:
        _dummy.append(hash_password(secrets.token_hex(16)))
    return _dummy[0]
