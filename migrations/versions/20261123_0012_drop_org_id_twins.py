"""drop the org_id indexes that another index of the same table already starts with

Revision ID: 0012
Revises: 0006, 0009
Create Date: 2026-11-23 18:30:00

Every tenanted table got an index of `org_id` alone. Where the table also has a whole-table
index that starts with `org_id` — every synced table's (org_id, sync_version), the list and map
indexes of work orders, route plans by date — that index serves every lookup by organisation
(and the foreign key's checks when an organisation is deleted), so the single-column twin only
cost one more index entry for every row written: a sync push inserts hundreds of notes, time
entries and readings and rewrites dozens of work orders and checklist items at once
(docs/benchmarks.md). dispatch.models.base.Tenanted now declares the single-column index only
where no such index exists.
"""
from alembic import op

revision = '0012'
down_revision = ('0006', '0009')
branch_labels = None
depends_on = None

TABLES = ("assets", "checklist_items", "meter_readings", "parts", "parts_used", "photos",
          "route_plans", "sites", "stock_levels", "sync_conflicts", "sync_tombstones",
          "time_entries", "work_order_notes", "work_order_parts", "work_orders")


def upgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_org_id", table_name=table)


def downgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_org_id", table, ["org_id"], unique=False)
