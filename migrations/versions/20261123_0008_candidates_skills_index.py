"""candidate search: covering index on technician_skills (skill, technician) including level

The candidate search checks the required skills of every technician its KNN walks (hundreds
per search) and, for rare skills, lists who holds them: with the level in the index both are
index-only scans instead of a heap visit per row (docs/benchmarks.md, "Geolocated dispatch").

Revision ID: 0008
Revises: 0001
Create Date: 2026-11-23 16:00:00
"""
from alembic import op

revision = '0008'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_technician_skills_skill_technician', 'technician_skills',
                    ['skill_id', 'technician_id'], unique=False, postgresql_include=['level'])


def downgrade() -> None:
    op.drop_index('ix_technician_skills_skill_technician', table_name='technician_skills')
