"""a 512 kB pending list for the work orders' trigram index (was the server's 4 MB default)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 18:45:00

Every change of a work order is written to all of its indexes (the sync version it carries is
indexed, so no update is HOT), the trigram index of title and description too. GIN queues new
entries in a pending list and merges the list into the index when it passes
`gin_pending_list_limit` — inside the statement that filled it. At the 4 MB default that merge
made one work-order UPDATE in about 35 sync pushes take 150–160 ms (one push in 20 at 300–380 ms
against ≈ 160 ms for the others, docs/benchmarks.md). At 512 kB the merges are eight times as
frequent and about as small (≈ 20–40 ms); their total cost is the same. Turning the pending list
off instead would cost ≈ 0.7 ms on every work-order update.
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER INDEX ix_work_orders_text_trgm SET (gin_pending_list_limit = 512)")


def downgrade() -> None:
    op.execute("ALTER INDEX ix_work_orders_text_trgm RESET (gin_pending_list_limit)")
