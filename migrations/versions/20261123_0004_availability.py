"""availability: territories, shifts, time off, capacities, dispatch policies, breadcrumbs

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 11:30:00
"""
import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def _tenanted(table: str) -> list:
    return [
        sa.Column('org_id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=f'fk_{table}_org_id_organisations'),
    ]


def _timestamps() -> list:
    return [
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    ]


def _technician_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=f'fk_{table}_technician_id_technicians', ondelete='CASCADE')


def upgrade() -> None:
    op.create_table('territories',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('area', geoalchemy2.types.Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    *_tenanted('territories'), *_timestamps(),
    sa.PrimaryKeyConstraint('id', name='pk_territories'),
    sa.UniqueConstraint('org_id', 'name', name='uq_territories_org_id_name'),
    )
    op.create_index('ix_territories_area', 'territories', ['area'], unique=False, postgresql_using='gist')
    op.create_index('ix_territories_org_id', 'territories', ['org_id'], unique=False)

    op.create_table('technician_territories',
    sa.Column('technician_id', sa.String(length=36), nullable=False),
    sa.Column('territory_id', sa.String(length=36), nullable=False),
    *_tenanted('technician_territories'),
    _technician_fk('technician_territories'),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name='fk_technician_territories_territory_id_territories', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('technician_id', 'territory_id', name='pk_technician_territories'),
    )
    op.create_index('ix_technician_territories_territory_id', 'technician_territories', ['territory_id'], unique=False)
    op.create_index('ix_technician_territories_org_id', 'technician_territories', ['org_id'], unique=False)

    op.create_table('shifts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('technician_id', sa.String(length=36), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('break_starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('break_ends_at', sa.DateTime(timezone=True), nullable=True),
    *_tenanted('shifts'), *_timestamps(),
    _technician_fk('shifts'),
    sa.CheckConstraint('ends_at > starts_at', name='ck_shifts_ordered'),
    sa.CheckConstraint('(break_starts_at IS NULL AND break_ends_at IS NULL) OR (break_starts_at >= starts_at AND break_ends_at > break_starts_at AND break_ends_at <= ends_at)', name='ck_shifts_break_inside'),
    sa.PrimaryKeyConstraint('id', name='pk_shifts'),
    )
    op.create_index('ix_shifts_technician_ends', 'shifts', ['technician_id', 'ends_at'], unique=False)
    op.create_index('ix_shifts_org_id', 'shifts', ['org_id'], unique=False)

    op.create_table('time_off',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('technician_id', sa.String(length=36), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    *_tenanted('time_off'), *_timestamps(),
    _technician_fk('time_off'),
    sa.CheckConstraint('ends_at > starts_at', name='ck_time_off_ordered'),
    sa.CheckConstraint("kind IN ('vacation', 'sick', 'training', 'other')", name='ck_time_off_kind_known'),
    sa.PrimaryKeyConstraint('id', name='pk_time_off'),
    )
    op.create_index('ix_time_off_technician_ends', 'time_off', ['technician_id', 'ends_at'], unique=False)
    op.create_index('ix_time_off_org_id', 'time_off', ['org_id'], unique=False)

    op.create_table('technician_capacities',
    sa.Column('technician_id', sa.String(length=36), nullable=False),
    sa.Column('max_jobs_per_day', sa.SmallInteger(), nullable=True),
    sa.Column('max_work_minutes_per_day', sa.SmallInteger(), nullable=True),
    *_tenanted('technician_capacities'), *_timestamps(),
    _technician_fk('technician_capacities'),
    sa.CheckConstraint('max_jobs_per_day BETWEEN 1 AND 100', name='ck_technician_capacities_jobs_range'),
    sa.CheckConstraint('max_work_minutes_per_day BETWEEN 1 AND 1440', name='ck_technician_capacities_minutes_range'),
    sa.PrimaryKeyConstraint('technician_id', name='pk_technician_capacities'),
    )
    op.create_index('ix_technician_capacities_org_id', 'technician_capacities', ['org_id'], unique=False)

    op.create_table('dispatch_policies',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('weights', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('rules', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    *_tenanted('dispatch_policies'), *_timestamps(),
    sa.PrimaryKeyConstraint('id', name='pk_dispatch_policies'),
    sa.UniqueConstraint('org_id', 'name', name='uq_dispatch_policies_org_id_name'),
    )
    op.create_index('ix_dispatch_policies_org_id', 'dispatch_policies', ['org_id'], unique=False)
    op.create_index('uq_dispatch_policies_active', 'dispatch_policies', ['org_id'], unique=True, postgresql_where=sa.text('is_active'))

    op.create_table('breadcrumbs',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('technician_id', sa.String(length=36), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.SmallInteger(), nullable=False),
    sa.Column('offsets_ms', postgresql.ARRAY(sa.Integer()), nullable=False),
    sa.Column('lat_e6', postgresql.ARRAY(sa.Integer()), nullable=False),
    sa.Column('lon_e6', postgresql.ARRAY(sa.Integer()), nullable=False),
    sa.Column('accuracy_m', postgresql.ARRAY(sa.SmallInteger()), nullable=False),
    sa.Column('speed_cm_s', postgresql.ARRAY(sa.SmallInteger()), nullable=False),
    sa.Column('heading_deg', postgresql.ARRAY(sa.SmallInteger()), nullable=False),
    *_tenanted('breadcrumbs'),
    _technician_fk('breadcrumbs'),
    sa.CheckConstraint('count > 0', name='ck_breadcrumbs_not_empty'),
    sa.PrimaryKeyConstraint('id', name='pk_breadcrumbs'),
    )
    op.create_index('ix_breadcrumbs_technician_started', 'breadcrumbs', ['technician_id', 'started_at'], unique=False)
    op.create_index('ix_breadcrumbs_day', 'breadcrumbs', ['day'], unique=False)
    op.create_index('ix_breadcrumbs_org_id', 'breadcrumbs', ['org_id'], unique=False)


    # Candidate search: a technician's load on a day (see dispatch/models/availability.py).
    op.create_index('ix_work_orders_assignee_day', 'work_orders', ['assignee_id', sa.text('coalesce(scheduled_start, window_start, assigned_at)')], unique=False, postgresql_include=['estimated_duration_min'], postgresql_where=sa.text("status IN ('assigned', 'dispatched', 'en_route', 'in_progress', 'on_hold')"))

    # Map clusters: index-only scan of the open work of an organisation (see the same module).
    op.create_index('ix_work_orders_map_open', 'work_orders', ['org_id', 'status', 'priority'], unique=False, postgresql_include=['location'], postgresql_where=sa.text("status IN ('new', 'assigned', 'dispatched', 'en_route', 'in_progress', 'on_hold')"))


def downgrade() -> None:
    op.drop_index('ix_work_orders_map_open', table_name='work_orders')
    op.drop_index('ix_work_orders_assignee_day', table_name='work_orders')
    for table in ('breadcrumbs', 'dispatch_policies', 'technician_capacities', 'time_off',
                  'shifts', 'technician_territories', 'territories'):
        op.drop_table(table)
