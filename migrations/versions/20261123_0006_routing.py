"""routing: route plans and their stops (F11)

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-23 12:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('route_plans',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('plan_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('objective', sa.String(length=16), nullable=False),
    sa.Column('technician_ids', postgresql.ARRAY(sa.String(length=36)), nullable=False),
    sa.Column('team', sa.String(length=36), nullable=True),
    sa.Column('include_unassigned', sa.Boolean(), nullable=False),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('trigger', sa.String(length=200), nullable=True),
    sa.Column('auto_apply', sa.Boolean(), nullable=False),
    sa.Column('requested_by', sa.String(length=36), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_by', sa.String(length=36), nullable=True),
    sa.Column('solve_ms', sa.Integer(), nullable=True),
    sa.Column('matrix_source', sa.String(length=200), nullable=True),
    sa.Column('totals', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('unassigned', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'applied', 'superseded')", name=op.f('ck_route_plans_status_known')),
    sa.CheckConstraint("objective IN ('travel_time', 'distance')", name=op.f('ck_route_plans_objective_known')),
    sa.ForeignKeyConstraint(['applied_by'], ['users.id'], name=op.f('fk_route_plans_applied_by_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_route_plans_org_id_organisations')),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_route_plans_requested_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_plans'))
    )
    op.create_index('ix_route_plans_org_date_status', 'route_plans', ['org_id', 'plan_date', 'status'], unique=False)
    op.create_index(op.f('ix_route_plans_org_id'), 'route_plans', ['org_id'], unique=False)
    op.create_table('route_stops',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('technician_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.SmallInteger(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=True),
    sa.Column('work_order_version', sa.Integer(), nullable=True),
    sa.Column('arrival_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('service_start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('departure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('travel_s', sa.Integer(), nullable=False),
    sa.Column('distance_m', sa.Integer(), nullable=False),
    sa.Column('waiting_s', sa.Integer(), nullable=False),
    sa.Column('service_s', sa.Integer(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.CheckConstraint("kind IN ('start', 'job', 'break', 'end')", name=op.f('ck_route_stops_kind_known')),
    sa.CheckConstraint("(kind = 'job') = (work_order_id IS NOT NULL)", name=op.f('ck_route_stops_job_has_work_order')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_route_stops_org_id_organisations')),
    sa.ForeignKeyConstraint(['plan_id'], ['route_plans.id'], name=op.f('fk_route_stops_plan_id_route_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_route_stops_technician_id_technicians'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_route_stops_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_stops')),
    sa.UniqueConstraint('plan_id', 'technician_id', 'seq', name=op.f('uq_route_stops_plan_id_technician_id_seq'))
    )
    op.create_index(op.f('ix_route_stops_org_id'), 'route_stops', ['org_id'], unique=False)
    op.create_index(op.f('ix_route_stops_work_order_id'), 'route_stops', ['work_order_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_route_stops_work_order_id'), table_name='route_stops')
    op.drop_index(op.f('ix_route_stops_org_id'), table_name='route_stops')
    op.drop_table('route_stops')
    op.drop_index(op.f('ix_route_plans_org_id'), table_name='route_plans')
    op.drop_index('ix_route_plans_org_date_status', table_name='route_plans')
    op.drop_table('route_plans')
