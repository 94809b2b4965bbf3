"""sync

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 11:16:43.792943
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


FINALISE_MARKS = """
CREATE OR REPLACE FUNCTION fieldwork_finalise_marks(marks jsonb, ver bigint) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  -- Per-column write marks get the version of the commit that wrote them (see
  -- dispatch/versioning.py); marks from earlier commits already carry theirs.
  SELECT COALESCE(jsonb_object_agg(key, CASE WHEN value ? 'v' THEN value
                                        ELSE value || jsonb_build_object('v', ver) END),
                  '{}'::jsonb)
  FROM jsonb_each(COALESCE(marks, '{}'::jsonb))
$$
"""


def upgrade() -> None:
    op.execute(FINALISE_MARKS)
    op.create_table('sync_device_state',
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('last_pull_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_pulled_version', sa.BigInteger(), nullable=True),
    sa.Column('last_push_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pushes', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('schema_version', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_sync_device_state_org_id_organisations')),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_sync_device_state'))
    )
    op.create_index(op.f('ix_sync_device_state_org_id'), 'sync_device_state', ['org_id'], unique=False)
    op.create_table('sync_push_receipts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('push_hash', sa.String(length=64), nullable=False),
    sa.Column('response', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_sync_push_receipts_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_push_receipts')),
    sa.UniqueConstraint('device_id', 'push_hash', name=op.f('uq_sync_push_receipts_device_id_push_hash'))
    )
    op.create_index(op.f('ix_sync_push_receipts_org_id'), 'sync_push_receipts', ['org_id'], unique=False)
    op.create_table('sync_rejections',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('user_id', sa.String(length=36), nullable=True),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_sync_rejections_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_rejections'))
    )
    op.create_index('ix_sync_rejections_device', 'sync_rejections', ['device_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_sync_rejections_org_id'), 'sync_rejections', ['org_id'], unique=False)
    op.create_table('sync_scope_changes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('technician_id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=False),
    sa.Column('change', sa.String(length=8), nullable=False),
    sa.Column('sync_version', sa.BigInteger(), nullable=False, server_default='0'),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_sync_scope_changes_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_scope_changes'))
    )
    op.create_index(op.f('ix_sync_scope_changes_org_id'), 'sync_scope_changes', ['org_id'], unique=False)
    op.create_index('ix_sync_scope_changes_tech_version', 'sync_scope_changes', ['technician_id', 'sync_version'], unique=False)
    op.create_table('sync_tombstones',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('sync_version', sa.BigInteger(), nullable=False, server_default='0'),
    sa.Column('scope', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_sync_tombstones_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_tombstones'))
    )
    op.create_index(op.f('ix_sync_tombstones_org_id'), 'sync_tombstones', ['org_id'], unique=False)
    op.create_index('ix_sync_tombstones_org_version', 'sync_tombstones', ['org_id', 'sync_version'], unique=False)
    op.create_table('sync_conflicts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=True),
    sa.Column('column', sa.String(length=64), nullable=False),
    sa.Column('server_value', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('device_value', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('server_author_id', sa.String(length=36), nullable=True),
    sa.Column('device_author_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('winner', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_by', sa.String(length=36), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.String(length=12), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_sync_conflicts_org_id_organisations')),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_sync_conflicts_resolved_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_conflicts'))
    )
    op.create_index(op.f('ix_sync_conflicts_org_id'), 'sync_conflicts', ['org_id'], unique=False)
    op.create_index('ix_sync_conflicts_org_status', 'sync_conflicts', ['org_id', 'status', 'created_at'], unique=False)
    op.create_table('checklist_items',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('checked', sa.Boolean(), nullable=False),
    sa.Column('value_number', sa.Float(), nullable=True),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.String(length=36), nullable=True),
    sa.Column('field_hlc', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sync_version', sa.BigInteger(), nullable=False, server_default='0'),
    sa.Column('created_version', sa.BigInteger(), nullable=False, server_default='0'),
    sa.Column('origin_device_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['completed_by'], ['users.id'], name=op.f('fk_checklist_items_completed_by_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_checklist_items_org_id_organisations')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_checklist_items_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_items'))
    )
    op.create_index(op.f('ix_checklist_items_org_id'), 'checklist_items', ['org_id'], unique=False)
    op.create_index('ix_checklist_items_wo', 'checklist_items', ['work_order_id'], unique=False)
    op.create_table('meter_readings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('asset_id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=True),
    sa.Column('technician_id', sa.String(length=36), nullable=True),
    sa.Column('meter', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('sync_version', sa.BigInteger(), nullable=False, server_default='0'),
    sa.Column('created_version', sa.BigInteger(), nullable=False, server_default='0'),
    sa.Column('origin_device_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_meter_readings_asset_id_assets')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_meter_readings_org_id_organisations')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_meter_readings_technician_id_technicians')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_meter_readings_work_order_id_work_orders'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meter_readings'))
    )
    op.create_index('ix_meter_readings_asset_read', 'meter_readings', ['asset_id', 'read_at'], unique=False)
    op.create_index(op.f('ix_meter_readings_org_id'), 'meter_readings', ['org_id'], unique=False)
    op.create_index('ix_meter_readings_wo', 'meter_readings', ['work_order_id'], unique=False)
    op.create_table('time_entries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=False),
    sa.Column('technician_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('sync_version', sa.BigInteger(), nullable=False, server_default='0'),
    sa.Column('created_version', sa.BigInteger(), nullable=False, server_default='0'),
    sa.Column('origin_device_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_time_entries_org_id_organisations')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_time_entries_technician_id_technicians')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_time_entries_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_entries'))
    )
    op.create_index(op.f('ix_time_entries_org_id'), 'time_entries', ['org_id'], unique=False)
    op.create_index('ix_time_entries_wo', 'time_entries', ['work_order_id'], unique=False)
    op.create_table('work_order_notes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('sync_version', sa.BigInteger(), nullable=False, server_default='0'),
    sa.Column('created_version', sa.BigInteger(), nullable=False, server_default='0'),
    sa.Column('origin_device_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_work_order_notes_author_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_work_order_notes_org_id_organisations')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_notes_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_notes'))
    )
    op.create_index(op.f('ix_work_order_notes_org_id'), 'work_order_notes', ['org_id'], unique=False)
    op.create_index('ix_work_order_notes_wo', 'work_order_notes', ['work_order_id'], unique=False)
    op.add_column('assets', sa.Column('sync_version', sa.BigInteger(), nullable=False, server_default='0'))
    op.add_column('assets', sa.Column('created_version', sa.BigInteger(), nullable=False, server_default='0'))
    op.add_column('assets', sa.Column('origin_device_id', sa.String(length=64), nullable=True))
    op.add_column('sites', sa.Column('sync_version', sa.BigInteger(), nullable=False, server_default='0'))
    op.add_column('sites', sa.Column('created_version', sa.BigInteger(), nullable=False, server_default='0'))
    op.add_column('sites', sa.Column('origin_device_id', sa.String(length=64), nullable=True))
    op.add_column('work_orders', sa.Column('field_hlc', postgresql.JSONB(astext_type=sa.Text()), nullable=False, server_default='{}'))
    op.add_column('work_orders', sa.Column('sync_version', sa.BigInteger(), nullable=False, server_default='0'))
    op.add_column('work_orders', sa.Column('status_reason', sa.Text(), nullable=True))
    op.add_column('work_orders', sa.Column('created_version', sa.BigInteger(), nullable=False, server_default='0'))
    op.add_column('work_orders', sa.Column('origin_device_id', sa.String(length=64), nullable=True))
    for table in ("work_orders", "sites", "assets", "work_order_notes", "checklist_items",
                  "time_entries", "meter_readings"):
        op.create_index(f"ix_{table}_org_sync", table, ["org_id", "sync_version"])
    op.create_index("ix_work_orders_assignee_sync", "work_orders", ["assignee_id", "sync_version"])


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS fieldwork_finalise_marks(jsonb, bigint)")
    op.drop_index("ix_work_orders_assignee_sync", table_name="work_orders")
    for table in ("work_orders", "sites", "assets"):
        op.drop_index(f"ix_{table}_org_sync", table_name=table)
    op.drop_column('work_orders', 'created_version')
    op.drop_column('work_orders', 'origin_device_id')
    op.drop_column('work_orders', 'sync_version')
    op.drop_column('work_orders', 'status_reason')
    op.drop_column('work_orders', 'field_hlc')
    op.drop_column('sites', 'created_version')
    op.drop_column('sites', 'origin_device_id')
    op.drop_column('sites', 'sync_version')
    op.drop_column('assets', 'created_version')
    op.drop_column('assets', 'origin_device_id')
    op.drop_column('assets', 'sync_version')
    op.drop_index('ix_work_order_notes_wo', table_name='work_order_notes')
    op.drop_index(op.f('ix_work_order_notes_org_id'), table_name='work_order_notes')
    op.drop_table('work_order_notes')
    op.drop_index('ix_time_entries_wo', table_name='time_entries')
    op.drop_index(op.f('ix_time_entries_org_id'), table_name='time_entries')
    op.drop_table('time_entries')
    op.drop_index('ix_meter_readings_wo', table_name='meter_readings')
    op.drop_index(op.f('ix_meter_readings_org_id'), table_name='meter_readings')
    op.drop_index('ix_meter_readings_asset_read', table_name='meter_readings')
    op.drop_table('meter_readings')
    op.drop_index('ix_checklist_items_wo', table_name='checklist_items')
    op.drop_index(op.f('ix_checklist_items_org_id'), table_name='checklist_items')
    op.drop_table('checklist_items')
    op.drop_index('ix_sync_conflicts_org_status', table_name='sync_conflicts')
    op.drop_index(op.f('ix_sync_conflicts_org_id'), table_name='sync_conflicts')
    op.drop_table('sync_conflicts')
    op.drop_index('ix_sync_tombstones_org_version', table_name='sync_tombstones')
    op.drop_index(op.f('ix_sync_tombstones_org_id'), table_name='sync_tombstones')
    op.drop_table('sync_tombstones')
    op.drop_index('ix_sync_scope_changes_tech_version', table_name='sync_scope_changes')
    op.drop_index(op.f('ix_sync_scope_changes_org_id'), table_name='sync_scope_changes')
    op.drop_table('sync_scope_changes')
    op.drop_index(op.f('ix_sync_rejections_org_id'), table_name='sync_rejections')
    op.drop_index('ix_sync_rejections_device', table_name='sync_rejections')
    op.drop_table('sync_rejections')
    op.drop_index(op.f('ix_sync_push_receipts_org_id'), table_name='sync_push_receipts')
    op.drop_table('sync_push_receipts')
    op.drop_index(op.f('ix_sync_device_state_org_id'), table_name='sync_device_state')
    op.drop_table('sync_device_state')
