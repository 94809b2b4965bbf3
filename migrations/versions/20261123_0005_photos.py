"""photo evidence: photos (synced) and resumable photo uploads

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-23 14:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None

KINDS = "('before', 'after', 'signature', 'other')"


def upgrade() -> None:
    op.create_table('photos',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=False),
    sa.Column('checklist_item_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('caption', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('failure_reason', sa.Text(), nullable=True),
    sa.Column('variants', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('exif_taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('exif_lat', sa.Float(), nullable=True),
    sa.Column('exif_lon', sa.Float(), nullable=True),
    sa.Column('device_make', sa.String(length=120), nullable=True),
    sa.Column('device_model', sa.String(length=120), nullable=True),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('evidence', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('uploaded_by', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by', sa.String(length=36), nullable=True),
    sa.Column('delete_reason', sa.Text(), nullable=True),
    sa.Column('sync_version', sa.BigInteger(), nullable=False, server_default='0'),
    sa.Column('created_version', sa.BigInteger(), nullable=False, server_default='0'),
    sa.Column('origin_device_id', sa.String(length=64), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(f"kind IN {KINDS}", name=op.f('ck_photos_kind_known')),
    sa.CheckConstraint("status IN ('processing', 'ready', 'failed')", name=op.f('ck_photos_status_known')),
    sa.CheckConstraint("verdict IN ('verified', 'far_from_site', 'outside_visit', 'no_metadata')", name=op.f('ck_photos_verdict_known')),
    sa.ForeignKeyConstraint(['deleted_by'], ['users.id'], name=op.f('fk_photos_deleted_by_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_photos_org_id_organisations')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_photos_uploaded_by_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_photos_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos'))
    )
    op.create_index(op.f('ix_photos_org_id'), 'photos', ['org_id'], unique=False)
    op.create_index(op.f('ix_photos_work_order_id'), 'photos', ['work_order_id'], unique=False)
    op.create_index('ix_photos_org_version', 'photos', ['org_id', 'sync_version'], unique=False)
    op.create_index('uq_photos_work_order_sha256', 'photos', ['work_order_id', 'sha256'], unique=True, postgresql_where=sa.text('deleted_at IS NULL'))

    op.create_table('photo_uploads',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('photo_id', sa.String(length=36), nullable=False),
    sa.Column('work_order_id', sa.String(length=36), nullable=False),
    sa.Column('uploaded_by', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('declared_content_type', sa.String(length=100), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('caption', sa.Text(), nullable=False),
    sa.Column('checklist_item_id', sa.String(length=36), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(f"kind IN {KINDS}", name=op.f('ck_photo_uploads_kind_known')),
    sa.CheckConstraint("status IN ('open', 'completed', 'expired')", name=op.f('ck_photo_uploads_status_known')),
    sa.CheckConstraint('received >= 0 AND received <= size', name=op.f('ck_photo_uploads_received_in_range')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_photo_uploads_org_id_organisations')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_photo_uploads_uploaded_by_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_photo_uploads_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo_uploads'))
    )
    op.create_index(op.f('ix_photo_uploads_org_id'), 'photo_uploads', ['org_id'], unique=False)
    op.create_index('ix_photo_uploads_status_expires', 'photo_uploads', ['status', 'expires_at'], unique=False)
    op.create_index('uq_photo_uploads_open_photo', 'photo_uploads', ['org_id', 'photo_id'], unique=True, postgresql_where=sa.text("status = 'open'"))


def downgrade() -> None:
    op.drop_table('photo_uploads')
    op.drop_table('photos')
