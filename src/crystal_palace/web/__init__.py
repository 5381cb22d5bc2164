"""The web application: accounts, security, scoping, audit trail and the server-rendered pages.

The REST API (:mod:`crystal_palace.interfaces.api`) and the pages share one security layer: a user
logs in (a session cookie) or sends an API token (``Authorization: Bearer``), has a role (admin,
analyst, chemist, viewer), belongs to a country and an agency, and is cleared for some handling codes.
:mod:`crystal_palace.web.scoping` decides which records a user may see; :mod:`crystal_palace.web.audit`
records every request. See ``docs/web.md``.
"""
