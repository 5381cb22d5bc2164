"""HTML to PDF, with a renderer that is on the machine: WeasyPrint, or a headless Chromium.

WeasyPrint (``pip install weasyprint``; it needs the Pango library, which Debian installs with
``libpango-1.0-0``) is tried first because it runs in-process and draws inline SVG. Otherwise a
Chromium on the PATH (Debian's ``chromium`` package) prints the page with ``--print-to-pdf``. With
neither, :class:`~crystal_palace.exceptions.MissingOptionalDependency` says what to install.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

from crystal_palace.exceptions import CrystalPalaceError, InvalidInput, MissingOptionalDependency

Renderer = Literal["auto", "weasyprint", "chromium"]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = ("pip install weasyprint (with Debian's libpango-1.0-0), or apt-get install chromium")


def _chromium() -> str | None:
    explicit = os.environ.get("CRYSTAL_PALACE_CHROMIUM")
    if explicit:
        return explicit
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def available_renderer() -> str | None:
    """The renderer that :func:`html_to_pdf` would use with ``renderer="auto"``, or None."""
    if importlib.util.find_spec("weasyprint") is not None:
        return "weasyprint"
    if _chromium() is not None:
        return "chromium"
    return None


def html_to_pdf(html: str, renderer: Renderer = "auto") -> bytes:
    """The PDF of a self-contained HTML page."""
    chosen = available_renderer() if renderer == "auto" else renderer
    if chosen is None:
        raise MissingOptionalDependency("PDF reports", INSTALL_HINT)
    if chosen == "weasyprint":
        try:
            import weasyprint
        except (ImportError, OSError) as exc:  # OSError: the Pango library is missing
            raise MissingOptionalDependency("PDF reports with WeasyPrint", INSTALL_HINT) from exc
        return bytes(weasyprint.HTML(string=html).write_pdf())
    if chosen == "chromium":
        return _chromium_pdf(html)
    raise InvalidInput(f"unknown PDF renderer {renderer!r}; use auto, weasyprint or chromium", field="renderer")


def _chromium_pdf(html: str) -> bytes:
    binary = _chromium()
    if binary is None:
        raise MissingOptionalDependency("PDF reports with Chromium", "apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="crystal-palace-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        out = Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                   f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}", page.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if not out.exists():
            raise CrystalPalaceError(f"chromium did not write the PDF (exit {done.returncode}): "
                                     f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}")
        return out.read_bytes()
