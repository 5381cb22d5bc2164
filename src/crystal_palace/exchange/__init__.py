"""Cross-border exchange: privacy-preserving matching on Bloom-filter encodings, and secure record packages.

``normalise`` -> ``keys`` -> ``clk`` (encode) -> ``match`` (Dice, blocking, one-to-one) on the matching
side; ``package`` (signed, encrypted files), ``audit`` (append-only log) and ``retract`` on the exchange
side. The public entry points are in :mod:`crystal_palace.workflows.exchange`; see docs/exchange.md.
"""
