"""sync_device_state: drop the pull columns nothing writes

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 21:05:00

A pull is noted in Redis (sync/diagnostics.py), so that a pull writes nothing to the database;
`last_pull_at`, `last_pulled_version` and `schema_version` stayed empty since.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for column in ('last_pull_at', 'last_pulled_version', 'schema_version'):
        op.drop_column('sync_device_state', column)


def downgrade() -> None:
    op.add_column('sync_device_state', sa.Column('schema_version', sa.Integer(), nullable=True))
    op.add_column('sync_device_state',
                  sa.Column('last_pulled_version', sa.BigInteger(), nullable=True))
    op.add_column('sync_device_state',
                  sa.Column('last_pull_at', sa.DateTime(timezone=True), nullable=True))
