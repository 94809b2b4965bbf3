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


def test_every_tenanted_table_can_find_an_organisations_rows_by_index():
    """Tables lost their index of org_id alone where another starts with it (migration 0012):
    every table with org_id must still have a whole-table index or unique constraint led by it,
    for lookups by organisation and the foreign key's checks."""
    unserved = []
    for table in Base.metadata.tables.values():
        if "org_id" not in table.c:
            continue
        leads = {next(iter(ix.columns)).name for ix in table.indexes
                 if ix.dialect_options["postgresql"].get("where") is None and len(ix.columns)}
        leads |= {next(iter(c.columns)).name for c in table.constraints
                  if type(c).__name__ in ("UniqueConstraint", "PrimaryKeyConstraint")}
        if "org_id" not in leads:
            unserved.append(table.name)
    assert unserved == []
