"""Early warning: first detections, rises and spread of substances across countries, alerts and reports.

The engine works on a *detections table* (one row per seizure, sample or lab result that found a
substance, keyed by its InChIKey; see :mod:`crystal_palace.warn.detections`), so that it does not depend
on where the records are kept. :mod:`~crystal_palace.warn.signals` turns the table into alerts,
:mod:`~crystal_palace.warn.alerts` stores them once each, and :mod:`~crystal_palace.warn.report` writes
the weekly or monthly report. The public entry points are in :mod:`crystal_palace.workflows.warn`.
"""
