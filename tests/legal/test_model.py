"""The legal model's hand-written parts keep to what the dataclasses declare."""

from __future__ import annotations

import dataclasses
import datetime
import pickle

from crystal_palace.legal.model import Verdict


def test_verdict_init_lists_the_fields_in_order_with_their_defaults() -> None:
    code = Verdict.__init__.__code__
    names = code.co_varnames[1:code.co_argcount]
    fields = dataclasses.fields(Verdict)
    assert names == tuple(f.name for f in fields)
    assert Verdict.__init__.__defaults__ == tuple(f.default for f in fields if f.default is not dataclasses.MISSING)


def test_a_verdict_is_frozen_comparable_replaceable_and_picklable() -> None:
    v = Verdict("DE", True, "listed", "de-btmg", "Listed.", category="Anlage II",
                since=datetime.date(2013, 7, 17), atoms={"core": (0, 1)})
    assert v == Verdict("DE", True, "listed", "de-btmg", "Listed.", category="Anlage II",
                        since=datetime.date(2013, 7, 17), atoms={"core": (0, 1)})
    assert [f.name for f in dataclasses.fields(v)][:5] == list(vars(v))[:5]
    try:
        v.controlled = False  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("a Verdict must be frozen")
    assert dataclasses.replace(v, controlled=None).controlled is None
    assert pickle.loads(pickle.dumps(v)) == v
    assert v.to_dict()["since"] == "2013-07-17"
