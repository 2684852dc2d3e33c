"""What golive reads as "on": one vocabulary for every yes/no value it interprets.

A database flag (`is_active`, a plan's `active`), a deployment's variable (`DEBUG`,
`DISABLE_AUTH`) and a row the rehearsal reads all mean the same by the same word, so a
value that one check calls on is on for every other check too.
"""

from __future__ import annotations

#: the words that mean on, compared case-insensitively after trimming spaces
TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "on", "enable", "enabled"})


def truthy(value: object) -> bool:
    """True for a true bool, a non-zero int, or one of TRUE_WORDS (any case); else False."""
    if isinstance(value, bool | int):
        return bool(value)
    if value is None:
        return False
    return str(value).strip().lower() in TRUE_WORDS
