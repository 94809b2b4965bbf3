"""indexes for the dispatcher's work-order lists (measured in docs/benchmarks.md)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:30:00

* ix_work_orders_org_created_nulls_last: the list sorts newest first as
  `created_at DESC NULLS LAST, id DESC` (dispatch.workorders.queries._order). A btree serves an
  ORDER BY only when the NULLS placement matches, so ix_work_orders_org_created (DESC, i.e.
  NULLS FIRST) is never used for it and every newest-first page sorted all matching rows.
* ix_work_orders_open_due: open work by due date (the unassigned queue, overdue work), partial
  so it holds the open backlog only, not the history.
* ix_work_orders_open_gist: open work in a map viewport, filtered by organisation, status and
  priority inside the index (btree_gist) so only matching rows are fetched from the heap.
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Frozen here on purpose: must equal dispatch.states.OPEN_STATUSES, or the planner can no longer
# prove that the list's `status IN (...)` implies the predicate and ignores both indexes.
OPEN = "status IN ('new', 'assigned', 'dispatched', 'en_route', 'in_progress', 'on_hold')"


def upgrade() -> None:
    # Trusted extension (PostgreSQL 13+): the database owner may create it, no superuser needed.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_index('ix_work_orders_org_created_nulls_last', 'work_orders',
                    ['org_id', sa.literal_column('created_at DESC NULLS LAST'),
                     sa.literal_column('id DESC')], unique=False)
    op.create_index('ix_work_orders_open_due', 'work_orders', ['org_id', 'due_at', 'id'],
                    unique=False, postgresql_where=sa.text(OPEN))
    op.create_index('ix_work_orders_open_gist', 'work_orders',
                    ['org_id', 'status', 'priority', 'location'], unique=False,
                    postgresql_using='gist', postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index('ix_work_orders_open_gist', table_name='work_orders', postgresql_using='gist')
    op.drop_index('ix_work_orders_open_due', table_name='work_orders')
    op.drop_index('ix_work_orders_org_created_nulls_last', table_name='work_orders')
    # btree_gist stays: dropping an extension other objects may come to use is not ours to do.
