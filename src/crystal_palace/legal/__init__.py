"""Legal status of structures: listed substances and generic (group) definitions."""
