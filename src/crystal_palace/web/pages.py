"""The server-rendered pages (Jinja2 + htmx): log in and out, the start page, identify, a record, the audit trail.

Pages call only the top-level workflow functions, like the CLI and the API, and go through the same
security layer (:mod:`crystal_palace.web.security`): a page answers 401 with the login form, 403 with
an explanation, and every form post carries the session's CSRF token (a hidden field, and the
``X-CSRF-Token`` header that htmx adds from ``<body hx-headers>``). No page has inline script: htmx is
served from ``/static/vendor`` and configured by a ``<meta>`` tag.

**The pattern for a job's page** (screen a manifest, spectra, network, alerts, exchange): add a
:class:`PageHook` to :data:`PAGE_HOOKS` naming the workflow module it needs; write its routes in this
router (or a module included by ``interfaces/api/routers/web.py``) with ``Depends(page_roles(...))``, a
template extending ``base.html``, and htmx attributes for partial updates. A hook whose workflow is not
installed stays out of the navigation.
"""

from __future__ import annotations

import base64
import importlib.util
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from crystal_palace.web.accounts import ROLES, LoginLocked, Role, User
from crystal_palace.web.audit import audit_detail, audit_records
from crystal_palace.web.security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    LoginRequired,
    PageForbidden,
    current_session,
    require_roles,
    web_context,
)

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
LOGIN_CSRF_COOKIE = "cp_login_csrf"
MAX_SDF_RECORDS = 50
"""An SDF dropped on the identify page is identified record by record, explained: at most this many."""


@dataclass(frozen=True)
class PageHook:
    """A page in the navigation, shown when its workflow module is installed and the user's role allows it."""

    title: str
    path: str
    blurb: str
    roles: tuple[Role, ...] = ROLES
    workflow: str | None = None
    """Module that must exist for the page to be offered (e.g. ``crystal_palace.workflows.precursors``)."""
    implemented: bool = True
    """False for a job whose page is not written yet: it is listed as coming, not linked."""

    def available(self) -> bool:
        """True when the page is written and its workflow installed."""
        return self.implemented and (self.workflow is None or importlib.util.find_spec(self.workflow) is not None)


PAGE_HOOKS: list[PageHook] = [
    PageHook("Home", "/", "Start page."),
    PageHook("Identify", "/identify", "Paste a SMILES or drop a MOL/SDF file: identity, NPS family, legal status."),
    PageHook("Screen a manifest", "/precursors", "Scheduled, pre- and designer precursors in an order or manifest.",
             workflow="crystal_palace.workflows.precursors"),
    PageHook("Spectra", "/spectra", "Search a GC-MS or MS/MS spectrum against the libraries.",
             workflow="crystal_palace.workflows.spectra"),
    PageHook("Network", "/network", "Seizures, samples, sites and actors joined by their evidence.",
             ("admin", "analyst", "viewer"), workflow="crystal_palace.workflows.analysis"),
    PageHook("Timeline", "/timeline", "Seizures, samples, sites and operations month by month.",
             ("admin", "analyst", "viewer"), workflow="crystal_palace.workflows.analysis"),
    PageHook("Reports", "/reports", "Joint operations: results by country.", ("admin", "analyst", "viewer"),
             workflow="crystal_palace.workflows.analysis"),
    PageHook("Seizures", "/seizures", "The seizures you may see, newest first.", ("admin", "analyst", "viewer")),
    PageHook("Alerts", "/alerts", "New and rising substances across countries.", ("admin", "analyst", "viewer"),
             workflow="crystal_palace.workflows.warn"),
    PageHook("Map", "/map", "The seizures and production sites you may see, on a map of Europe.",
             ("admin", "analyst", "viewer"), workflow="crystal_palace.workflows.analysis"),
    PageHook("Exchange", "/exchange", "Match subjects with a partner, send and import packages, retract.",
             ("admin", "analyst"), workflow="crystal_palace.workflows.exchange"),
    PageHook("Audit trail", "/audit", "Who saw and changed what.", ("admin",)),
]
"""Every page, in navigation order (see the module docstring for how a job adds its page)."""


def hook(path: str) -> PageHook:
    """The page hook for ``path``."""
    for h in PAGE_HOOKS:
        if h.path == path:
            return h
    raise KeyError(path)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a template with the user, the CSRF token and the navigation filled in."""
    from crystal_palace import __version__

    user: User | None = request.scope.get("state", {}).get("user")
    session = current_session(request)
    nav = [h for h in PAGE_HOOKS if user is not None and user.role in h.roles and h.available()]
    pending = [h.title for h in PAGE_HOOKS if not h.implemented and user is not None and user.role in h.roles]
    values = {"user": user, "csrf": session.csrf_token if session else "", "nav": nav, "pending": pending,
              "active": request.url.path, "version": __version__, **context}
    return HTMLResponse(_environment().get_template(template).render(**values), status_code=status)


def page_roles(*roles: Role) -> Any:
    """Dependency for a page: logged in (else the login form, 401) with one of ``roles`` (else 403)."""
    return Depends(require_roles(*roles, page=True))


PageUser = Annotated[User, page_roles(*ROLES)]
"""A page parameter: any logged-in user."""
PageAdmin = Annotated[User, page_roles("admin")]
"""A page parameter: a logged-in admin."""
PageRecordReader = Annotated[User, page_roles("admin", "analyst", "viewer")]
"""A page parameter: a user whose role may read intelligence records."""


def _safe_next(target: str | None) -> str:
    """A local path to go to after login (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_form(request: Request, *, status: int = 200, message: str = "", username: str = "",
               next_path: str | None = None) -> HTMLResponse:
    """The login page, with a fresh login CSRF token (a cookie that the form must echo)."""
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status=status, message=message, username=username,
                      login_csrf=token, next=_safe_next(next_path))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/login")
    return response


async def _login_required(request: Request, exc: Exception) -> Response:
    if request.headers.get("hx-request"):  # htmx: send the whole window to the login page
        return Response(status_code=401, headers={"HX-Redirect": "/login?next=" + quote(request.url.path)})
    path = request.url.path + ("?" + request.url.query if request.url.query else "")
    return login_form(request, status=401, message="Please log in.", next_path=path)


async def _page_forbidden(request: Request, exc: Exception) -> Response:
    detail = getattr(exc, "detail", "forbidden")
    return render(request, "message.html", status=403, heading="Not allowed", message=str(detail))


def install_page_handlers(app: FastAPI) -> None:
    """Answer a page's 401 with the login form and its 403 with an explanation (HTML, not JSON)."""
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageForbidden, _page_forbidden)


router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    """The login form."""
    return login_form(request, next_path=next)


@router.post("/login")
async def login_submit(request: Request) -> Response:
    """Check the name and password, start a session, and go where the user was going."""
    form = await request.form()
    username = str(form.get("username") or "").strip().lower()
    next_path = _safe_next(str(form.get("next") or "/"))
    request.scope.setdefault("state", {})["audit_username"] = username or None
    sent, expected = str(form.get(CSRF_FIELD) or ""), request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        audit_detail(request, "login refused: CSRF token missing or wrong")
        return login_form(request, status=403, message="The form expired; please log in again.",
                          username=username, next_path=next_path)
    context = web_context(request)
    try:
        user = await run_in_threadpool(context.accounts.authenticate, username, str(form.get("password") or ""))
    except LoginLocked as exc:
        audit_detail(request, "login refused: locked after failed logins")
        return login_form(request, status=429, message=str(exc).capitalize() + ".", username=username,
                          next_path=next_path)
    if user is None:
        audit_detail(request, "login failed")
        return login_form(request, status=401, message="Wrong user name or password.", username=username,
                          next_path=next_path)
    session_id, session = await run_in_threadpool(context.accounts.create_session, user,
                                                  context.settings.session_hours)
    audit_detail(request, "login")
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", max_age=int(context.settings.session_hours * 3600),
                        path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, user: PageUser) -> Response:
    """End the session (the form carries the CSRF token) and show the login page."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        web_context(request).accounts.end_session(cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: PageUser) -> HTMLResponse:
    """The start page: who you are and what you can do."""
    return render(request, "home.html")


@router.get("/identify", response_class=HTMLResponse)
def identify_page(request: Request, user: PageUser) -> HTMLResponse:
    """The identify form, with the live structure preview."""
    return render(request, "identify.html", query="", as_of="", verdicts=None, **preview_context(""))


def preview_context(query: str) -> dict[str, Any]:
    """What the preview box shows for ``query``: a drawing of a SMILES or MOL block, or why there is none."""
    from crystal_palace.chemistry.depict import depict_svg
    from crystal_palace.chemistry.structures import detect_input_type, parse_structure
    from crystal_palace.exceptions import CrystalPalaceError

    text = query.strip()
    if not text:
        return {}
    if len(text) > 100_000:
        return {"preview_error": "Too long to draw as you type; press Identify."}
    try:
        kind = detect_input_type(text)
        if kind not in ("smiles", "mol", "inchi"):
            return {"preview_error": f"Read as {kind}: it is looked up when you press Identify."}
        mol = parse_structure(text, kind)
    except CrystalPalaceError as exc:
        return {"preview_error": str(getattr(exc, "reason", exc))}
    return {"preview_svg": _svg64(depict_svg(mol, (), width=320, height=220))}


@router.get("/identify/preview", response_class=HTMLResponse)
def identify_preview(request: Request, user: PageUser, query: str = "") -> HTMLResponse:
    """The live depiction (an htmx fragment) as the user types."""
    return render(request, "_preview.html", **preview_context(query))


def _svg64(svg: str) -> str:
    return base64.b64encode(svg.encode("utf-8")).decode("ascii")


def split_upload(name: str, data: bytes) -> tuple[list[str], list[str | None], str]:
    """The queries in an uploaded MOL or SDF file (one MOL block per record), or the reason there are none."""
    suffix = Path(name).suffix.lower()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if suffix == ".mol":
        return [text], ["mol"], ""
    if suffix in (".sdf", ".sd"):
        records = [r.split("M  END")[0] + "M  END\n" if "M  END" in r else r
                   for r in text.replace("\r\n", "\n").split("$$$$\n") if r.strip()]
        if not records:
            return [], [], f"{name}: no records"
        if len(records) > MAX_SDF_RECORDS:
            return [], [], (f"{name} has {len(records)} records; the page identifies up to {MAX_SDF_RECORDS} "
                            "(use `crystal-palace screen` or POST /v1/identify for more)")
        return records, ["mol"] * len(records), ""
    return [], [], f"{name}: expected a .mol or .sdf file"


def verdict_views(verdicts: Sequence[Any]) -> list[dict[str, Any]]:
    """Verdicts as dicts for the template, each with its drawing (the family's atoms highlighted)."""
    from crystal_palace.chemistry.depict import depict_svg

    views = []
    for verdict in verdicts:
        view = verdict.to_dict()
        if verdict.mol is not None:
            view["svg"] = _svg64(depict_svg(verdict.mol, verdict.family_atoms, width=420, height=300))
        views.append(view)
    return views


@router.post("/identify", response_class=HTMLResponse)
async def identify_submit(request: Request, user: PageUser) -> HTMLResponse:
    """Identify the typed query or the dropped file; a fragment for htmx, the whole page otherwise."""
    from crystal_palace import identify_many
    from crystal_palace.exceptions import InvalidInput
    from crystal_palace.workflows.legal import require_legal_options

    form = await request.form()
    query = str(form.get("query") or "")
    as_of = str(form.get("as_of") or "").strip()
    upload = form.get("file")
    limit = web_context(request).settings.max_upload_bytes
    queries: list[str] = []
    types: list[str | None] = []
    problem = ""
    status = 200
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(limit + 1)
        if len(data) > limit:
            problem, status = f"{upload.filename} is larger than the limit of {limit:,} bytes", 413
        else:
            queries, types, problem = split_upload(upload.filename, data)
    elif query.strip():
        queries, types = [query], [None]
    else:
        problem = "Type a query or choose a MOL or SDF file."
    verdicts: list[dict[str, Any]] = []
    if queries:
        try:
            legal = require_legal_options(as_of=as_of or None)
        except InvalidInput as exc:
            problem, status = f"As of: {exc.reason}", 422
        else:
            results = await run_in_threadpool(identify_many, queries, input_types=types, legal=legal)
            verdicts = await run_in_threadpool(verdict_views, results)
            audit_records(request, [(v.get("structure") or {}).get("inchikey") or "-" for v in verdicts])
    context = {"verdicts": verdicts, "upload_error": problem}
    if request.headers.get("hx-request"):
        return render(request, "_verdicts.html", status=status, **context)
    return render(request, "identify.html", status=status, query=query, as_of=as_of,
                  **context, **preview_context(query))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: PageAdmin, username: str | None = None,
               record: str | None = None) -> HTMLResponse:
    """The latest audit events (admins only), optionally for one user or one record."""
    events = web_context(request).audit.events(username=username or None, record_id=record or None, limit=200)
    return render(request, "audit.html", events=[e.to_dict() for e in events])
