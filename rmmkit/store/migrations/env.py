"""Alembic environment, run programmatically by :func:`rmmkit.store.engine.migrate`.

Why no alembic.ini: users never run ``alembic`` by hand; the store migrates
itself when opened, on the connection (and inside the lock) it already holds.
``rmmkit db upgrade`` does the same explicitly.
"""

from __future__ import annotations

from alembic import context

from rmmkit.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running alembic by hand
    raise RuntimeError("rmmkit migrations run through rmmkit.store (rmmkit db upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
