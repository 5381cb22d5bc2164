"""Rewrite src/crystal_palace/data/MANIFEST.yaml: one entry per data file with its sha256.

Run after changing any data file; the reference-data test fails until the manifest matches. Source,
licence of existing entries are kept; a file whose checksum changed gets today's date as its version;
new files get the default source of their folder (a folder without one gets an empty source, which
the test rejects until a person fills it in).
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parents[1] / "src" / "crystal_palace" / "data"
PROJECT_LICENCE = "Apache-2.0 (project data; the facts encoded come from public instruments and monographs)"
DEFAULTS = {
    "substances": "written for Crystal Palace entry by entry; each row's `source` column names the instrument or "
                  "monograph; cross-checked against independent public lists (tests/chemistry/"
                  "test_library_crosscheck.py, findings in tests/data/crosscheck_findings.csv)",
    "rules": "written for Crystal Palace: NPS family rules as SMARTS (conventions in docs/reference-data.md)",
    "legal": "encoded for Crystal Palace from the instruments each entry names (texts gathered in shared/legal); "
             "coverage per jurisdiction in legal/jurisdictions.yaml",
    "actors": "written for Crystal Palace for actor resolution (name variants, transliteration, company legal "
              "forms); each row's `source` column names the reference it follows",
}


def main() -> None:
    path = DATA / "MANIFEST.yaml"
    old = yaml.safe_load(path.read_text()) if path.exists() else {"files": []}
    known = {f["path"]: f for f in old.get("files", [])}
    files = []
    for p in sorted(DATA.rglob("*")):
        if not p.is_file() or p.name == "MANIFEST.yaml" or "__pycache__" in p.parts:
            continue
        rel = str(p.relative_to(DATA))
        top = rel.split("/")[0]
        entry = dict(known.get(rel, {"path": rel, "version": date.today().isoformat(),
                                     "source": DEFAULTS.get(top, ""), "licence": PROJECT_LICENCE}))
        if hashlib.sha256(p.read_bytes()).hexdigest() != entry.get("sha256"):
            entry["version"] = date.today().isoformat()
        entry["sha256"] = hashlib.sha256(p.read_bytes()).hexdigest()
        files.append(entry)
    header = "# Package data: one entry per file (version, source, licence, sha256). tools/update_manifest.py\n"
    path.write_text(header + yaml.safe_dump({"files": files}, sort_keys=False, allow_unicode=True))
    print(f"{len(files)} files listed in {path}")


if __name__ == "__main__":
    main()
