"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 10:50:26.218460
"""
import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('organisations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('sla_policy', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('slug', name=op.f('uq_organisations_slug'))
    )
    op.create_table('counters',
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_counters_org_id_organisations')),
    sa.PrimaryKeyConstraint('org_id', 'name', name=op.f('pk_counters'))
    )
    op.create_table('customers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_customers_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    op.create_index(op.f('ix_customers_org_id'), 'customers', ['org_id'], unique=False)
    op.create_table('skills',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_skills_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills')),
    sa.UniqueConstraint('org_id', 'code', name=op.f('uq_skills_org_id_code'))
    )
    op.create_index(op.f('ix_skills_org_id'), 'skills', ['org_id'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'dispatcher', 'planner', 'technician', 'requester')", name=op.f('ck_users_role_known')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_users_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    op.create_index(op.f('ix_users_org_id'), 'users', ['org_id'], unique=False)
    op.create_index('uq_users_email_lower', 'users', [sa.literal_column('lower(email)')], unique=True)
    op.create_table('work_order_types',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('custom_fields', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('completion_requirements', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('default_duration_min', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_work_order_types_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_types')),
    sa.UniqueConstraint('org_id', 'code', name=op.f('uq_work_order_types_org_id_code'))
    )
    op.create_index(op.f('ix_work_order_types_org_id'), 'work_order_types', ['org_id'], unique=False)
    op.create_table('auth_sessions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('current_jti', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_auth_sessions_org_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_sessions')),
    sa.UniqueConstraint('current_jti', name=op.f('uq_auth_sessions_current_jti'))
    )
    op.create_index(op.f('ix_auth_sessions_org_id'), 'auth_sessions', ['org_id'], unique=False)
    op.create_index(op.f('ix_auth_sessions_user_id'), 'auth_sessions', ['user_id'], unique=False)
    op.create_table('devices',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_devices_org_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_devices_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices'))
    )
    op.create_index(op.f('ix_devices_org_id'), 'devices', ['org_id'], unique=False)
    op.create_index(op.f('ix_devices_user_id'), 'devices', ['user_id'], unique=False)
    op.create_table('sites',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('location', geoalchemy2.types.Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography', nullable=False), nullable=False),
    sa.Column('access_notes', sa.Text(), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_sites_customer_id_customers')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_sites_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites'))
    )
    op.create_index(op.f('ix_sites_customer_id'), 'sites', ['customer_id'], unique=False)
    op.create_index('ix_sites_location', 'sites', ['location'], unique=False, postgresql_using='gist')
    op.create_index(op.f('ix_sites_org_id'), 'sites', ['org_id'], unique=False)
    op.create_table('technicians',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('home_base', geoalchemy2.types.Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography'), nullable=True),
    sa.Column('home_address', sa.String(length=300), nullable=True),
    sa.Column('last_position', geoalchemy2.types.Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography'), nullable=True),
    sa.Column('last_position_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('available', 'busy', 'off')", name=op.f('ck_technicians_state_known')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_technicians_org_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_technicians_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technicians')),
    sa.UniqueConstraint('user_id', name=op.f('uq_technicians_user_id'))
    )
    op.create_index('ix_technicians_home_base', 'technicians', ['home_base'], unique=False, postgresql_using='gist')
    op.create_index('ix_technicians_last_position', 'technicians', ['last_position'], unique=False, postgresql_using='gist')
    op.create_index(op.f('ix_technicians_org_id'), 'technicians', ['org_id'], unique=False)
    op.create_index(op.f('ix_technicians_user_id'), 'technicians', ['user_id'], unique=False)
    op.create_table('assets',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.String(length=36), nullable=False),
    sa.Column('parent_id', sa.String(length=36), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=True),
    sa.Column('manufacturer', sa.String(length=120), nullable=True),
    sa.Column('serial', sa.String(length=120), nullable=True),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.Column('warranty_until', sa.Date(), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_assets_org_id_organisations')),
    sa.ForeignKeyConstraint(['parent_id'], ['assets.id'], name=op.f('fk_assets_parent_id_assets')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_assets_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets'))
    )
    op.create_index(op.f('ix_assets_org_id'), 'assets', ['org_id'], unique=False)
    op.create_index(op.f('ix_assets_parent_id'), 'assets', ['parent_id'], unique=False)
    op.create_index(op.f('ix_assets_site_id'), 'assets', ['site_id'], unique=False)
    op.create_table('technician_skills',
    sa.Column('technician_id', sa.String(length=36), nullable=False),
    sa.Column('skill_id', sa.String(length=36), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_technician_skills_level_range')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_technician_skills_org_id_organisations')),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_technician_skills_skill_id_skills')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_technician_skills_technician_id_technicians'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('technician_id', 'skill_id', name=op.f('pk_technician_skills'))
    )
    op.create_index(op.f('ix_technician_skills_org_id'), 'technician_skills', ['org_id'], unique=False)
    op.create_index(op.f('ix_technician_skills_skill_id'), 'technician_skills', ['skill_id'], unique=False)
    op.create_table('work_orders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('site_id', sa.String(length=36), nullable=False),
    sa.Column('asset_id', sa.String(length=36), nullable=True),
    sa.Column('assignee_id', sa.String(length=36), nullable=True),
    sa.Column('requester_id', sa.String(length=36), nullable=True),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('location', geoalchemy2.types.Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('required_skills', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('estimated_duration_min', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scheduled_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('response_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at_manual', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('custom_fields', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=64)), nullable=False),
    sa.Column('resolution_notes', sa.Text(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_en_route_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("priority IN ('low', 'normal', 'high', 'urgent')", name=op.f('ck_work_orders_priority_known')),
    sa.CheckConstraint("source IN ('app', 'web_form', 'email', 'api', 'qr_code', 'pm_plan')", name=op.f('ck_work_orders_source_known')),
    sa.CheckConstraint("status IN ('new', 'assigned', 'dispatched', 'en_route', 'in_progress', 'on_hold', 'completed', 'closed', 'cancelled', 'cannot_complete')", name=op.f('ck_work_orders_status_known')),
    sa.CheckConstraint('window_end IS NULL OR window_start IS NULL OR window_end > window_start', name=op.f('ck_work_orders_window_ordered')),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_work_orders_asset_id_assets')),
    sa.ForeignKeyConstraint(['assignee_id'], ['technicians.id'], name=op.f('fk_work_orders_assignee_id_technicians')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_work_orders_created_by_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_work_orders_customer_id_customers')),
    sa.ForeignKeyConstraint(['org_id', 'type'], ['work_order_types.org_id', 'work_order_types.code'], name=op.f('fk_work_orders_org_id_work_order_types')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_work_orders_org_id_organisations')),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_work_orders_requester_id_users')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_work_orders_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders')),
    sa.UniqueConstraint('org_id', 'number', name=op.f('uq_work_orders_org_id_number'))
    )
    op.create_index(op.f('ix_work_orders_asset_id'), 'work_orders', ['asset_id'], unique=False)
    op.create_index('ix_work_orders_assignee_status', 'work_orders', ['assignee_id', 'status'], unique=False)
    op.create_index(op.f('ix_work_orders_customer_id'), 'work_orders', ['customer_id'], unique=False)
    op.create_index('ix_work_orders_location', 'work_orders', ['location'], unique=False, postgresql_using='gist')
    op.create_index('ix_work_orders_org_created', 'work_orders', ['org_id', sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index(op.f('ix_work_orders_org_id'), 'work_orders', ['org_id'], unique=False)
    op.create_index('ix_work_orders_org_status_priority', 'work_orders', ['org_id', 'status', 'priority', sa.literal_column('created_at DESC')], unique=False)
    op.create_index(op.f('ix_work_orders_site_id'), 'work_orders', ['site_id'], unique=False)
    op.create_index('ix_work_orders_text_trgm', 'work_orders', [sa.literal_column("(title || ' ' || description) gin_trgm_ops")], unique=False, postgresql_using='gin')
    op.create_index('ix_work_orders_tags', 'work_orders', ['tags'], unique=False, postgresql_using='gin')
    op.create_table('comments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('mentions', postgresql.ARRAY(sa.String(length=36)), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comments_author_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_comments_org_id_organisations')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_comments_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    op.create_index(op.f('ix_comments_org_id'), 'comments', ['org_id'], unique=False)
    op.create_index(op.f('ix_comments_work_order_id'), 'comments', ['work_order_id'], unique=False)
    op.create_table('work_order_events',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('old_value', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('new_value', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_work_order_events_actor_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_work_order_events_org_id_organisations')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_events_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_events'))
    )
    op.create_index(op.f('ix_work_order_events_org_id'), 'work_order_events', ['org_id'], unique=False)
    op.create_index('ix_work_order_events_wo_at', 'work_order_events', ['work_order_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_work_order_events_wo_at', table_name='work_order_events')
    op.drop_index(op.f('ix_work_order_events_org_id'), table_name='work_order_events')
    op.drop_table('work_order_events')
    op.drop_index(op.f('ix_comments_work_order_id'), table_name='comments')
    op.drop_index(op.f('ix_comments_org_id'), table_name='comments')
    op.drop_table('comments')
    op.drop_index('ix_work_orders_tags', table_name='work_orders', postgresql_using='gin')
    op.drop_index(op.f('ix_work_orders_site_id'), table_name='work_orders')
    op.drop_index('ix_work_orders_org_status_priority', table_name='work_orders')
    op.drop_index(op.f('ix_work_orders_org_id'), table_name='work_orders')
    op.drop_index('ix_work_orders_org_created', table_name='work_orders')
    op.drop_index('ix_work_orders_location', table_name='work_orders', postgresql_using='gist')
    op.drop_index(op.f('ix_work_orders_customer_id'), table_name='work_orders')
    op.drop_index('ix_work_orders_assignee_status', table_name='work_orders')
    op.drop_index(op.f('ix_work_orders_asset_id'), table_name='work_orders')
    op.drop_table('work_orders')
    op.drop_index(op.f('ix_technician_skills_skill_id'), table_name='technician_skills')
    op.drop_index(op.f('ix_technician_skills_org_id'), table_name='technician_skills')
    op.drop_table('technician_skills')
    op.drop_index(op.f('ix_assets_site_id'), table_name='assets')
    op.drop_index(op.f('ix_assets_parent_id'), table_name='assets')
    op.drop_index(op.f('ix_assets_org_id'), table_name='assets')
    op.drop_table('assets')
    op.drop_index(op.f('ix_technicians_user_id'), table_name='technicians')
    op.drop_index(op.f('ix_technicians_org_id'), table_name='technicians')
    op.drop_index('ix_technicians_last_position', table_name='technicians', postgresql_using='gist')
    op.drop_index('ix_technicians_home_base', table_name='technicians', postgresql_using='gist')
    op.drop_table('technicians')
    op.drop_index(op.f('ix_sites_org_id'), table_name='sites')
    op.drop_index('ix_sites_location', table_name='sites', postgresql_using='gist')
    op.drop_index(op.f('ix_sites_customer_id'), table_name='sites')
    op.drop_table('sites')
    op.drop_index(op.f('ix_devices_user_id'), table_name='devices')
    op.drop_index(op.f('ix_devices_org_id'), table_name='devices')
    op.drop_table('devices')
    op.drop_index(op.f('ix_auth_sessions_user_id'), table_name='auth_sessions')
    op.drop_index(op.f('ix_auth_sessions_org_id'), table_name='auth_sessions')
    op.drop_table('auth_sessions')
    op.drop_index(op.f('ix_work_order_types_org_id'), table_name='work_order_types')
    op.drop_table('work_order_types')
    op.drop_index('uq_users_email_lower', table_name='users')
    op.drop_index(op.f('ix_users_org_id'), table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_skills_org_id'), table_name='skills')
    op.drop_table('skills')
    op.drop_index(op.f('ix_customers_org_id'), table_name='customers')
    op.drop_table('customers')
    op.drop_table('counters')
    op.drop_table('organisations')
