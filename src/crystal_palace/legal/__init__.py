"""Legal status of structures: listed substances and generic (group) definitions."""

from crystal_palace.legal.compiled import check_fresh

check_fresh()  # (in a checkout, a compiled module older than its edited source is refused, not run)
