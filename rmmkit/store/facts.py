"""Facts collected from hosts (system profile, SNMP interfaces, services, …).

Why history and not overwrite: reports want the latest picture, but an
asset's past (what changed, when) is worth keeping.  ``(host, site, kind,
collected_at)`` is unique, so re-sending a collection is a no-op.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from rmmkit.store.base import StoreBase, TimeLike, matching, to_epoch
from rmmkit.store.jsonsafe import clean
from rmmkit.store.runs import upsert
from rmmkit.store.tables import facts


class FactsMixin(StoreBase):
    def add_facts(
        self, host: str, site: str, kind: str, data: dict[str, Any], collected_at: TimeLike = None
    ) -> None:
        row = {
            "host": host,
            "site": site or "",
            "kind": kind,
            "data": clean(data),
            "collected_at": to_epoch(collected_at) or self.now(),
        }

        def write(conn: sa.Connection) -> None:
            stmt = upsert(conn, facts).values(**row)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["host", "site", "kind", "collected_at"],
                    set_={"data": stmt.excluded.data},
                )
            )

        self.submit(write)

    def facts(
        self,
        kind: str | None = None,
        site: str | None = None,
        host: str | None = None,
        latest: bool = True,
    ) -> list[dict[str, Any]]:
        """Facts by host then kind; ``latest`` keeps only the newest per (host, site, kind)."""
        stmt = sa.select(
            facts.c.host, facts.c.site, facts.c.kind, facts.c.data, facts.c.collected_at
        )
        filters = matching(facts, kind=kind, site=site, host=host)
        if latest:
            newest = (
                sa.select(
                    facts.c.host,
                    facts.c.site,
                    facts.c.kind,
                    sa.func.max(facts.c.collected_at).label("newest"),
                )
                .where(*filters)
                .group_by(facts.c.host, facts.c.site, facts.c.kind)
                .subquery()
            )
            stmt = stmt.join(
                newest,
                sa.and_(
                    facts.c.host == newest.c.host,
                    facts.c.site == newest.c.site,
                    facts.c.kind == newest.c.kind,
                    facts.c.collected_at == newest.c.newest,
                ),
            )
        stmt = stmt.where(*filters).order_by(facts.c.host, facts.c.kind, facts.c.collected_at)
        return self.select(stmt)
