"""drop ix_work_orders_org_created_nulls_last: lists sort never-null columns without NULLS LAST

Revision ID: 0011
Revises: 0002
Create Date: 2026-11-23 16:00:00

`created_at` is never null, so the list's newest-first order is now plain `created_at DESC, id
DESC` (dispatch.workorders.queries._order says NULLS LAST only for `due_at` and
`scheduled_start`), which ix_work_orders_org_created serves in both directions. The NULLS LAST
twin (75 MB at 1M work orders) was one more index written by every change of a work order — a
sync push changes dozens at once (docs/benchmarks.md).
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_work_orders_org_created_nulls_last', table_name='work_orders')


def downgrade() -> None:
    op.create_index('ix_work_orders_org_created_nulls_last', 'work_orders',
                    ['org_id', sa.literal_column('created_at DESC NULLS LAST'),
                     sa.literal_column('id DESC')], unique=False)
