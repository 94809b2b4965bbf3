"""spare parts (F19): catalogue, stock locations, stock ledger, parts used

Stock locations (warehouses, vans), the immutable stock ledger and its maintained summary,
serial numbers, work-order parts lines, parts used (synced), replenishment and discrepancies.

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-23 13:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0001'
branch_labels = None
depends_on = None

# The ledger is append-only: corrections are new movements, never edits.
IMMUTABLE_LEDGER = """
CREATE OR REPLACE FUNCTION fieldwork_ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock_movements is append-only: record a correcting movement instead'
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER stock_movements_immutable BEFORE UPDATE OR DELETE ON stock_movements
    FOR EACH ROW EXECUTE FUNCTION fieldwork_ledger_immutable();
"""


def upgrade() -> None:
    op.create_table('parts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('unit_cost', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('serialised', sa.Boolean(), nullable=False),
    sa.Column('compatible_models', postgresql.ARRAY(sa.String(length=120)), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sync_version', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('created_version', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('origin_device_id', sa.String(length=64), nullable=True),
    sa.CheckConstraint("unit IN ('each', 'pair', 'box', 'set', 'roll', 'm', 'kg', 'l')", name=op.f('ck_parts_unit_known')),
    sa.CheckConstraint('unit_cost >= 0', name=op.f('ck_parts_unit_cost_positive')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_parts_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts')),
    sa.UniqueConstraint('org_id', 'sku', name=op.f('uq_parts_org_id_sku'))
    )
    op.create_index(op.f('ix_parts_org_id'), 'parts', ['org_id'], unique=False)
    op.create_index('ix_parts_org_sync', 'parts', ['org_id', 'sync_version'], unique=False)
    op.create_table('stock_locations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('technician_id', sa.String(length=36), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'van') = (technician_id IS NOT NULL)", name=op.f('ck_stock_locations_van_has_technician')),
    sa.CheckConstraint("kind IN ('warehouse', 'van')", name=op.f('ck_stock_locations_kind_known')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_stock_locations_org_id_organisations')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_stock_locations_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_locations')),
    sa.UniqueConstraint('org_id', 'code', name=op.f('uq_stock_locations_org_id_code'))
    )
    op.create_index(op.f('ix_stock_locations_org_id'), 'stock_locations', ['org_id'], unique=False)
    op.create_index('uq_stock_locations_van_technician', 'stock_locations', ['technician_id'], unique=True, postgresql_where=sa.text('technician_id IS NOT NULL'))
    op.create_table('reorder_alerts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('part_id', sa.String(length=36), nullable=False),
    sa.Column('location_id', sa.String(length=36), nullable=False),
    sa.Column('available', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('min_quantity', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_reorder_alerts_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_reorder_alerts_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_reorder_alerts_part_id_parts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reorder_alerts'))
    )
    op.create_index(op.f('ix_reorder_alerts_org_id'), 'reorder_alerts', ['org_id'], unique=False)
    op.create_index('ix_reorder_alerts_org_open', 'reorder_alerts', ['org_id', 'raised_at'], unique=False, postgresql_where=sa.text('cleared_at IS NULL'))
    op.create_index('uq_reorder_alerts_open', 'reorder_alerts', ['part_id', 'location_id'], unique=True, postgresql_where=sa.text('cleared_at IS NULL'))
    op.create_table('reorder_points',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('part_id', sa.String(length=36), nullable=False),
    sa.Column('location_id', sa.String(length=36), nullable=False),
    sa.Column('min_quantity', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('target_quantity', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('min_quantity >= 0', name=op.f('ck_reorder_points_min_positive')),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_reorder_points_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_reorder_points_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_reorder_points_part_id_parts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reorder_points')),
    sa.UniqueConstraint('part_id', 'location_id', name=op.f('uq_reorder_points_part_id_location_id'))
    )
    op.create_index(op.f('ix_reorder_points_location_id'), 'reorder_points', ['location_id'], unique=False)
    op.create_index(op.f('ix_reorder_points_org_id'), 'reorder_points', ['org_id'], unique=False)
    op.create_table('stock_discrepancies',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('part_id', sa.String(length=36), nullable=False),
    sa.Column('location_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('movement_id', sa.BigInteger(), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=36), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.CheckConstraint("kind IN ('negative_balance', 'summary_mismatch')", name=op.f('ck_stock_discrepancies_kind_known')),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_stock_discrepancies_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_stock_discrepancies_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_discrepancies_part_id_parts')),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_stock_discrepancies_resolved_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_discrepancies'))
    )
    op.create_index(op.f('ix_stock_discrepancies_org_id'), 'stock_discrepancies', ['org_id'], unique=False)
    op.create_index('uq_stock_discrepancies_open', 'stock_discrepancies', ['part_id', 'location_id', 'kind'], unique=True, postgresql_where=sa.text('resolved_at IS NULL'))
    op.create_table('stock_levels',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('part_id', sa.String(length=36), nullable=False),
    sa.Column('location_id', sa.String(length=36), nullable=False),
    sa.Column('on_hand', sa.Numeric(precision=14, scale=4), server_default='0', nullable=False),
    sa.Column('reserved', sa.Numeric(precision=14, scale=4), server_default='0', nullable=False),
    sa.Column('available', sa.Numeric(precision=14, scale=4), sa.Computed('on_hand - reserved', persisted=True), nullable=False),
    sa.Column('last_movement_id', sa.BigInteger(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('sync_version', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('created_version', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('origin_device_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_stock_levels_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_stock_levels_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_levels_part_id_parts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_levels')),
    sa.UniqueConstraint('part_id', 'location_id', name=op.f('uq_stock_levels_part_id_location_id'))
    )
    op.create_index(op.f('ix_stock_levels_location_id'), 'stock_levels', ['location_id'], unique=False)
    op.create_index(op.f('ix_stock_levels_org_id'), 'stock_levels', ['org_id'], unique=False)
    op.create_index('ix_stock_levels_org_sync', 'stock_levels', ['org_id', 'sync_version'], unique=False)
    op.create_table('stock_transfers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('from_location_id', sa.String(length=36), nullable=False),
    sa.Column('to_location_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_by', sa.String(length=36), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('in_transit', 'received', 'cancelled')", name=op.f('ck_stock_transfers_status_known')),
    sa.CheckConstraint('from_location_id <> to_location_id', name=op.f('ck_stock_transfers_distinct_locations')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_stock_transfers_created_by_users')),
    sa.ForeignKeyConstraint(['from_location_id'], ['stock_locations.id'], name=op.f('fk_stock_transfers_from_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_stock_transfers_org_id_organisations')),
    sa.ForeignKeyConstraint(['received_by'], ['users.id'], name=op.f('fk_stock_transfers_received_by_users')),
    sa.ForeignKeyConstraint(['to_location_id'], ['stock_locations.id'], name=op.f('fk_stock_transfers_to_location_id_stock_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_transfers'))
    )
    op.create_index(op.f('ix_stock_transfers_org_id'), 'stock_transfers', ['org_id'], unique=False)
    op.create_index(op.f('ix_stock_transfers_to_location_id'), 'stock_transfers', ['to_location_id'], unique=False)
    op.create_table('serial_numbers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('part_id', sa.String(length=36), nullable=False),
    sa.Column('serial', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('location_id', sa.String(length=36), nullable=True),
    sa.Column('work_order_id', sa.String(length=36), nullable=True),
    sa.Column('asset_id', sa.String(length=36), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('in_stock', 'in_transit', 'installed', 'defective')", name=op.f('ck_serial_numbers_status_known')),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_serial_numbers_asset_id_assets')),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_serial_numbers_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_serial_numbers_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_serial_numbers_part_id_parts')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_serial_numbers_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_serial_numbers')),
    sa.UniqueConstraint('org_id', 'serial', name=op.f('uq_serial_numbers_org_id_serial'))
    )
    op.create_index(op.f('ix_serial_numbers_org_id'), 'serial_numbers', ['org_id'], unique=False)
    op.create_index(op.f('ix_serial_numbers_part_id'), 'serial_numbers', ['part_id'], unique=False)
    op.create_table('stock_movements',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('part_id', sa.String(length=36), nullable=False),
    sa.Column('location_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('on_hand_delta', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('reserved_delta', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('unit_cost', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('serial_numbers', postgresql.ARRAY(sa.String(length=100)), server_default='{}', nullable=False),
    sa.Column('condition', sa.String(length=16), nullable=True),
    sa.Column('work_order_id', sa.String(length=36), nullable=True),
    sa.Column('line_id', sa.String(length=36), nullable=True),
    sa.Column('parts_used_id', sa.String(length=36), nullable=True),
    sa.Column('transfer_id', sa.String(length=36), nullable=True),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('receipt', 'transfer_out', 'transfer_in', 'reserve', 'release', 'usage', 'return', 'adjustment')", name=op.f('ck_stock_movements_kind_known')),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_stock_movements_quantity_positive')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_stock_movements_actor_id_users')),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_stock_movements_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_stock_movements_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_movements_part_id_parts')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_stock_movements_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    op.create_index('ix_stock_movements_org_at', 'stock_movements', ['org_id', 'at'], unique=False)
    op.create_index('ix_stock_movements_part_location', 'stock_movements', ['part_id', 'location_id', 'id'], unique=False)
    op.create_index('ix_stock_movements_wo', 'stock_movements', ['work_order_id'], unique=False, postgresql_where=sa.text('work_order_id IS NOT NULL'))
    op.create_index('uq_stock_movements_parts_used', 'stock_movements', ['parts_used_id'], unique=True, postgresql_where=sa.text('parts_used_id IS NOT NULL'))
    op.create_table('stock_transfer_lines',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('transfer_id', sa.String(length=36), nullable=False),
    sa.Column('part_id', sa.String(length=36), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('serial_numbers', postgresql.ARRAY(sa.String(length=100)), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_stock_transfer_lines_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_transfer_lines_part_id_parts')),
    sa.ForeignKeyConstraint(['transfer_id'], ['stock_transfers.id'], name=op.f('fk_stock_transfer_lines_transfer_id_stock_transfers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_transfer_lines'))
    )
    op.create_index(op.f('ix_stock_transfer_lines_org_id'), 'stock_transfer_lines', ['org_id'], unique=False)
    op.create_index(op.f('ix_stock_transfer_lines_transfer_id'), 'stock_transfer_lines', ['transfer_id'], unique=False)
    op.create_table('work_order_parts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=False),
    sa.Column('part_id', sa.String(length=36), nullable=False),
    sa.Column('location_id', sa.String(length=36), nullable=True),
    sa.Column('quantity', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('reserved_quantity', sa.Numeric(precision=14, scale=4), server_default='0', nullable=False),
    sa.Column('used_quantity', sa.Numeric(precision=14, scale=4), server_default='0', nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('unit_cost', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sync_version', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('created_version', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('origin_device_id', sa.String(length=64), nullable=True),
    sa.CheckConstraint("status IN ('planned', 'reserved', 'used', 'cancelled')", name=op.f('ck_work_order_parts_status_known')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_work_order_parts_quantity_positive')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_work_order_parts_created_by_users')),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_work_order_parts_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_work_order_parts_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_work_order_parts_part_id_parts')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_parts_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_parts'))
    )
    op.create_index(op.f('ix_work_order_parts_org_id'), 'work_order_parts', ['org_id'], unique=False)
    op.create_index('ix_work_order_parts_org_sync', 'work_order_parts', ['org_id', 'sync_version'], unique=False)
    op.create_index('ix_work_order_parts_wo', 'work_order_parts', ['work_order_id'], unique=False)
    op.create_table('parts_used',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=False),
    sa.Column('line_id', sa.String(length=36), nullable=True),
    sa.Column('part_id', sa.String(length=36), nullable=False),
    sa.Column('location_id', sa.String(length=36), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('serial_numbers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('unit_cost', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('technician_id', sa.String(length=36), nullable=True),
    sa.Column('used_by', sa.String(length=36), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('sync_version', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('created_version', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('origin_device_id', sa.String(length=64), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_parts_used_quantity_positive')),
    sa.ForeignKeyConstraint(['line_id'], ['work_order_parts.id'], name=op.f('fk_parts_used_line_id_work_order_parts')),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_parts_used_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_parts_used_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_parts_used_part_id_parts')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_parts_used_technician_id_technicians')),
    sa.ForeignKeyConstraint(['used_by'], ['users.id'], name=op.f('fk_parts_used_used_by_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_parts_used_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts_used'))
    )
    op.create_index(op.f('ix_parts_used_org_id'), 'parts_used', ['org_id'], unique=False)
    op.create_index('ix_parts_used_org_sync', 'parts_used', ['org_id', 'sync_version'], unique=False)
    op.create_index('ix_parts_used_org_used_at', 'parts_used', ['org_id', 'used_at'], unique=False)
    op.create_index('ix_parts_used_wo', 'parts_used', ['work_order_id'], unique=False)

    op.execute(IMMUTABLE_LEDGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS stock_movements_immutable ON stock_movements")
    op.execute("DROP FUNCTION IF EXISTS fieldwork_ledger_immutable()")
    op.drop_table('parts_used')
    op.drop_table('work_order_parts')
    op.drop_table('stock_transfer_lines')
    op.drop_table('stock_movements')
    op.drop_table('serial_numbers')
    op.drop_table('stock_transfers')
    op.drop_table('stock_levels')
    op.drop_table('stock_discrepancies')
    op.drop_table('reorder_points')
    op.drop_table('reorder_alerts')
    op.drop_table('stock_locations')
    op.drop_table('parts')
