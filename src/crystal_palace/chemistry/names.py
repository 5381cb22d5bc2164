"""Name normalisation so that "α-PVP", "alpha-PVP", "a-PVP" and "Alpha PVP" are one key.

Forensic names are typed by hand in many ways: Greek letters or their spelled-out forms, hyphens,
spaces, primes, commas, brackets and case all vary. The key keeps letters and digits only, after
spelling out Greek letters, so variants collide on purpose; locants stay (2C-B and 2CB are the same
key, but 3-MMC and 4-MMC stay apart).
"""

from __future__ import annotations

import re
import unicodedata

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "κ": "kappa",
    "μ": "mu", "ω": "omega", "ψ": "psi", "Ψ": "psi", "Δ": "delta", "λ": "lambda", "σ": "sigma",
}
# single-letter abbreviations users type for Greek prefixes: "a-PVP", "a-PHP", "b-keto"
_LETTER_PREFIX = re.compile(r"^(a|b)(?=[-\s])", re.IGNORECASE)
_PREFIX_WORD = {"a": "alpha", "b": "beta"}
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def name_key(name: str) -> str:
    """Normalised lookup key of a substance name.

    >>> name_key("α-PVP") == name_key("alpha-PVP") == name_key("a-PVP") == name_key("Alpha PVP")
    True
    >>> name_key("3,4-Methylenedioxy-N-methylamphetamine")
    '34methylenedioxynmethylamphetamine'
    >>> name_key("Δ9-THC")
    'delta9thc'
    """
    text = unicodedata.normalize("NFKC", name).strip()
    for greek, word in _GREEK.items():
        text = text.replace(greek, f"{word}-")
    text = _LETTER_PREFIX.sub(lambda m: _PREFIX_WORD[m.group(1).lower()], text)
    text = text.lower()
    # strip accents that survive NFKC (é -> e)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NON_ALNUM.sub("", text)
