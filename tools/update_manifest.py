"""Rewrite src/crystal_palace/data/MANIFEST.yaml: one entry per data file with its sha256.

Run after changing any data file; the reference-data test fails until the manifest matches. Source,
licence and version of existing entries are kept; new files get placeholders that the test rejects
until a person fills them in.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parents[1] / "src" / "crystal_palace" / "data"


def main() -> None:
    path = DATA / "MANIFEST.yaml"
    old = yaml.safe_load(path.read_text()) if path.exists() else {"files": []}
    known = {f["path"]: f for f in old.get("files", [])}
    files = []
    for p in sorted(DATA.rglob("*")):
        if not p.is_file() or p.name == "MANIFEST.yaml" or "__pycache__" in p.parts:
            continue
        rel = str(p.relative_to(DATA))
        entry = dict(known.get(rel, {"path": rel, "version": "", "source": "", "licence": ""}))
        entry["sha256"] = hashlib.sha256(p.read_bytes()).hexdigest()
        files.append(entry)
    header = "# Package data: one entry per file (version, source, licence, sha256). tools/update_manifest.py\n"
    path.write_text(header + yaml.safe_dump({"files": files}, sort_keys=False, allow_unicode=True))
    print(f"{len(files)} files listed in {path}")


if __name__ == "__main__":
    main()
