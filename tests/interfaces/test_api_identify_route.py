"""POST /v1/identify as served: the workflow's verdicts, computed off the event loop, checked by the model."""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from pydantic import TypeAdapter

import crystal_palace
from crystal_palace.interfaces.api.app import create_app
from crystal_palace.interfaces.api.models import Verdict
from crystal_palace.web.testing import add_test_user

MDMA = "CNC(C)Cc1ccc2OCOc2c1"


def run_loop(coroutine: Any) -> Any:
    """``asyncio.run`` in a thread of its own: another test (Playwright's sync API) may keep a loop in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_the_answers_are_the_workflows_verdicts_through_the_response_model():
    app = create_app()
    _, token = add_test_user(app, role="viewer")
    adapter = TypeAdapter(list[Verdict])
    bodies = [
        {"query": MDMA},
        {"query": "CCCC(C(=O)c1ccc(C)cc1)N1CCCC1"},  # no library entry: family by rule, analogues, precursor search
        {"query": "C1CC((N"},  # a broken SMILES: its reason in errors
        {"queries": ["42542-10-9", "CC(N)Cc1ccccc1.Cl"], "analogues": 2, "jurisdictions": ["UN", "DE"],
         "as_of": "2014-06-01"},
    ]

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                     headers={"Authorization": f"Bearer {token}"}) as client:
            return [await client.post("/v1/identify", json=body) for body in bodies]

    responses = run_loop(run())
    from crystal_palace.workflows.legal import require_legal_options

    for body, response in zip(bodies, responses, strict=True):
        assert response.status_code == 200, response.text
        queries = body.get("queries") or [body["query"]]
        legal = require_legal_options(as_of=body.get("as_of"), jurisdictions=body.get("jurisdictions"))
        expected = [crystal_palace.identify(q, analogues=body.get("analogues", 5), explain=False, legal=legal,
                                            precursor=True).to_dict() for q in queries]
        assert response.content == adapter.dump_json(adapter.validate_python(expected), by_alias=True)
    assert json.loads(responses[0].content)[0]["identity"]["name"] == "MDMA"
    assert json.loads(responses[2].content)[0]["errors"]


def test_the_event_loop_answers_while_a_verdict_is_being_computed(monkeypatch):
    """The workflow runs in a worker thread: a slow query (a name sent to OPSIN) holds up no other request."""
    app = create_app()
    _, token = add_test_user(app, role="viewer")
    started, release = threading.Event(), threading.Event()
    real = crystal_palace.identify

    def slow_identify(query, **options):  # type: ignore[no-untyped-def]
        started.set()
        assert release.wait(30), "the test did not release the slow query"
        return real(query, **options)

    monkeypatch.setattr(crystal_palace, "identify", slow_identify)

    async def run() -> tuple[int, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                     headers={"Authorization": f"Bearer {token}"}) as client:
            slow = asyncio.create_task(client.post("/v1/identify", json={"query": MDMA}))
            while not started.is_set():
                await asyncio.sleep(0.01)
            health = await asyncio.wait_for(client.get("/v1/health"), 10)  # answered while the verdict waits
            assert not slow.done()
            release.set()
            return health.status_code, (await slow).status_code

    assert run_loop(run()) == (200, 200)
