"""Linkage: which seizures share a batch, a press or a production site, and which actors are the same.

Chemical profiles (:mod:`.profiles`, :mod:`.pretreatment`, :mod:`.metrics`) and tablets
(:mod:`.tablets`) are compared pair by pair; each pair gets a distance, and a calibration
(:mod:`.calibration`) learnt from known linked and unlinked pairs turns that distance into a decision
threshold and a likelihood ratio with its verbal expression. Actor resolution (``actors*``) uses Splink.
The public entry points are :func:`crystal_palace.link_profiles`, :func:`crystal_palace.compare_profile_methods`
and :func:`crystal_palace.link_tablets`.
"""
