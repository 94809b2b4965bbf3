"""The hand-written routing migration matches the models exactly."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dispatch.models import Base

POSTGIS_TABLES = {"spatial_ref_sys", "topology", "layer"}


def test_routing_tables_match_their_migration(connection):
    context = MigrationContext.configure(connection, opts={
        "compare_type": True,
        "include_object": lambda obj, name, type_, reflected, compare_to: not (
            type_ == "table" and name in POSTGIS_TABLES)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # alembic cannot compare trigram indexes
        diff = [d for d in compare_metadata(context, Base.metadata) if "route_" in repr(d)]
    assert diff == []
