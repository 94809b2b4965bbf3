"""The handwritten migration 0005 matches the models exactly (columns, types, indexes, FKs)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dispatch.models import Base

TABLES = {"photos", "photo_uploads"}


def _ours(diff) -> bool:
    # Diffs are tuples (op, object, ...) or lists of them (column modifications).
    if isinstance(diff, list):
        return any(_ours(d) for d in diff)
    for part in diff:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if name in TABLES or (isinstance(part, str) and part in TABLES):
            return True
    return False


def test_migration_mirrors_the_photo_models(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    diffs = [d for d in compare_metadata(context, Base.metadata) if _ours(d)]
    assert diffs == []
