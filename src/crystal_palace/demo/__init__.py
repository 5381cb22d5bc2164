"""A realistic synthetic data set for demonstrations, tests and benchmarks, with its ground truth.

>>> from crystal_palace.demo import generate
>>> data = generate(seizures=200, seed=1)
>>> sorted(data.truth)
['truth_actors', 'truth_samples']
>>> len(data.tables["seizures"])
200

See ``docs/store.md`` for the tables and what the ground truth means.
"""

from crystal_palace.demo.generator import DemoData, generate

__all__ = ["DemoData", "generate"]
