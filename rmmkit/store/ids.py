"""Short ids: a unique prefix of a run or scan id stands for the whole id (as in git).

Why in the store: ``rmmkit runs`` prints 12 characters of a 32-character id
and every command that takes an id back (``run --resume``, ``scan diff``,
``report scan-details --scan``…) must accept what it printed, with one
rule and one error text.  The query is ``LIKE 'prefix%'`` with ``%``, ``_``
and the escape character escaped, plus a ``substr`` equality: SQLite's
``LIKE`` ignores case, PostgreSQL's does not, and a prefix must match the
same ids on both backends.
"""

from __future__ import annotations

import sqlalchemy as sa

from rmmkit.errors import InputError, UnknownReference
from rmmkit.store.base import StoreBase

MIN_PREFIX = 4  # git's minimum: shorter prefixes are ambiguous in any real store
SHOWN = 5  # candidates named in the "ambiguous" error (one line)


def escape_like(text: str, escape: str = "\\") -> str:
    """``text`` with LIKE's wildcards (and the escape character) taken literally."""
    return text.replace(escape, escape * 2).replace("%", escape + "%").replace("_", escape + "_")


def resolve_id(
    store: StoreBase, column: sa.Column[str], given: str, *, noun: str, hint: str
) -> str:
    """The one id of ``column`` equal to ``given`` or starting with it.

    Raises :class:`UnknownReference` when none matches and :class:`InputError`
    when the prefix is shorter than :data:`MIN_PREFIX` or matches several
    ids (naming them); both exit 3 with one line.  ``hint`` says where ids
    are listed (``rmmkit runs``).
    """
    wanted = given.strip()
    if not wanted:
        raise InputError(f"empty {noun} id", expected=f"an id or a prefix listed by {hint}")
    exact = sa.select(column).where(column == wanted)
    if store.select(exact):
        return wanted
    if len(wanted) < MIN_PREFIX:
        raise InputError(
            f"{noun} id prefix {wanted!r} is too short",
            expected=f"at least {MIN_PREFIX} characters of an id listed by {hint}",
        )
    stmt = (
        sa.select(column)
        .where(
            column.like(escape_like(wanted) + "%", escape="\\"),
            sa.func.substr(column, 1, len(wanted)) == wanted,
        )
        .order_by(column)
        .limit(SHOWN + 1)
    )
    found = [row[column.name] for row in store.select(stmt)]
    if not found:
        raise UnknownReference(
            f"no {noun} {wanted!r} in the store", expected=f"an id or a prefix listed by {hint}"
        )
    if len(found) > 1:
        named = ", ".join(found[:SHOWN]) + (", …" if len(found) > SHOWN else "")
        raise InputError(
            f"{noun} id prefix {wanted!r} is ambiguous: it matches {named}",
            expected="more characters of the id",
        )
    return str(found[0])
