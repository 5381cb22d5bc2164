"""A real server and Debian's Chromium for the browser tests (Playwright drives the browser).

The server is started the way an agency starts it, ``crystal-palace serve``, on a free port against
a temporary DuckDB store, with an exchange key folder (``CRYSTAL_PALACE_EXCHANGE_KEYS``: our party
NL-POLITIE and the trusted partner PL-CBZC); its first-run admin password is read from what it prints. An analyst is
added with ``crystal-palace users add``. The store holds generated demo data and two seizures of
known owners: one of the analyst's agency, and one of another country's agency with handling code H3.

Playwright is never allowed to download a browser: it launches ``/usr/bin/chromium`` (the ``chromium``
Debian package, which ``.ci/run`` installs). Without Playwright or Chromium the tests are skipped,
except under CI=true, where that is a failure. Screenshots go to ``$CP_SCREENSHOTS`` (default
``build/screenshots``, ignored by git).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CP_CHROMIUM", "/usr/bin/chromium")
ANALYST_PASSWORD = "analyst password 1"


def _require(condition: bool, message: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: the browser tests must run)")
    pytest.skip(message)


@dataclass
class Server:
    url: str
    admin_password: str
    folder: Path
    analyst_password: str = ANALYST_PASSWORD
    party: str = "NL-POLITIE"
    partner: str = "PL-CBZC"
    """The trusted exchange partner; its private key is ``folder / "partner" / "PL-CBZC.key"``."""


def _exchange_keys(folder: Path) -> Path:
    """The server's exchange key folder (its own key NL-POLITIE, the partner PL-CBZC's public key)."""
    import json

    from crystal_palace.exchange.package import PartyKeys

    keys = folder / "keys"
    PartyKeys.generate("NL-POLITIE").save(keys)
    partner = PartyKeys.generate("PL-CBZC")
    partner.save(folder / "partner")
    (keys / "PL-CBZC.pub").write_text(json.dumps(partner.public.to_dict()))
    return keys


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed_store(path: Path) -> None:
    """Generated demo data (when the generator is installed) and two seizures of known owners."""
    import duckdb

    from crystal_palace.store.model import create_table_sql

    try:
        from crystal_palace.demo import generate
        from crystal_palace.store.backend import open_store
    except ImportError:
        pass
    else:
        store = open_store(str(path))
        store.write_frames(generate(seizures=80, seed=5).tables)
        store.close()
        try:
            from crystal_palace.workflows.warn import warn_run
        except ImportError:
            pass
        else:
            warn_run(db=str(path), since="2019-01-01")  # alerts for the alerts page
    con = duckdb.connect(str(path))
    con.execute(create_table_sql("duckdb", "seizures"))
    for rid, country, agency, code, place in [("sz-nl-0001", "NL", "Politie", "H1", "Venlo"),
                                             ("sz-pl-0001", "PL", "CBZC", "H3", "Gdansk")]:
        con.execute("INSERT INTO seizures (id, country, agency, source, handling_code, created_at, updated_at,"
                    " content_hash, seized_on, place, description) VALUES (?, ?, ?, 'browser-test', ?, now(), now(),"
                    " 'h', DATE '2025-03-01', ?, 'tablets, orange, logo Tesla')", [rid, country, agency, code, place])
    con.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``crystal-palace serve`` on a free port, with a seeded store, an admin and an analyst."""
    exe = Path(sys.executable).with_name("crystal-palace")
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "store.duckdb"
    _seed_store(db)
    port = _free_port()
    env = {**os.environ, "CRYSTAL_PALACE_HOME": str(folder),
           "CRYSTAL_PALACE_EXCHANGE_KEYS": str(_exchange_keys(folder))}
    log = (folder / "server.log").open("w+")
    process = subprocess.Popen([str(exe), "serve", "--port", str(port), "--db", str(db), "--log-level", "warning",
                                "--admin-country", "NL", "--admin-agency", "Politie"],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    import httpx

    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.seek(0)
            pytest.fail(f"the server did not start:\n{log.read()}")
        try:
            if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    log.seek(0)
    found = re.search(r"first admin login: user admin, password (\S+)", log.read())
    assert found, "serve did not print the first admin login"
    subprocess.run([str(exe), "users", "add", "anna", "--role", "analyst", "--country", "NL", "--agency", "Politie",
                    "--handling-codes", "H0,H1,H2", "--password-stdin", "--db", str(db)],
                   input=ANALYST_PASSWORD + "\n", text=True, env=env, check=True, capture_output=True)
    yield Server(url, found.group(1), folder)
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "the playwright package is not installed")
    _require(Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None, f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh browser context (no cookies) and page; console errors (CSP violations among them) are kept."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.console_errors = []

    def on_console(message):  # type: ignore[no-untyped-def]
        # a 401 is how a page asks for the login (expected); anything else is a fault, a CSP refusal included
        if message.type == "error" and "status of 401" not in message.text:
            tab.console_errors.append(message.text)

    tab.on("console", on_console)
    tab.on("pageerror", lambda e: tab.console_errors.append(str(e)))
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the screenshots go."""
    folder = Path(os.environ.get("CP_SCREENSHOTS") or ROOT / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
