"""The handwritten migrations build exactly the schema the models describe (columns, types,
indexes, constraints), for every table: a model changed without a migration fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import sync.models  # noqa: F401  (its tables join the shared metadata)
from dispatch.models import Base

# Tables that belong to extensions, not to us.
EXTENSION_TABLES = {"spatial_ref_sys"}


def _table_name(diff) -> str | None:
    # Diffs are tuples (op, object, ...) or lists of them (column modifications).
    if isinstance(diff, list):
        return _table_name(diff[0])
    for part in diff[1:]:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if name:
            return name
        if isinstance(part, str):
            return part
    return None


def test_migrations_mirror_every_model(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    diffs = [d for d in compare_metadata(context, Base.metadata)
             if _table_name(d) not in EXTENSION_TABLES]
    assert diffs == []
