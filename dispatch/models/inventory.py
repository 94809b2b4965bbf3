"""Spare parts (F19): catalogue, stock locations, the stock ledger and its maintained summary,
serial numbers, work-order parts lines and parts used, replenishment and discrepancies.

The ledger (`stock_movements`) is the truth and is never updated or deleted (a trigger refuses
it); `stock_levels` is a summary kept in the same transaction as each movement and can be
rebuilt from the ledger at any time (dispatch/inventory/ledger.py).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from dispatch import clock
from dispatch.ids import ID_MAX_LENGTH
from dispatch.models.base import Base, Tenanted, Timestamped, id_column, ref
from dispatch.models.changes import Synced

# unit -> whether a quantity may have a fractional part (1.5 m of cable, never 1.5 filters)
UNITS: dict[str, bool] = {"each": False, "pair": False, "box": False, "set": False,
                          "roll": False, "m": True, "kg": True, "l": True}
LOCATION_KINDS = ("warehouse", "van")
MOVEMENT_KINDS = ("receipt", "transfer_out", "transfer_in", "reserve", "release", "usage",
                  "return", "adjustment")
SERIAL_STATUSES = ("in_stock", "in_transit", "installed", "defective")
LINE_STATUSES = ("planned", "reserved", "used", "cancelled")
TRANSFER_STATUSES = ("in_transit", "received", "cancelled")
DISCREPANCY_KINDS = ("negative_balance", "summary_mismatch")
RETURN_CONDITIONS = ("unused", "defective")


def _qty(**kw):
    return mapped_column(Numeric(14, 4), nullable=False, default=Decimal(0),
                         server_default="0", **kw)


class Part(Tenanted, Timestamped, Synced, Base):
    __tablename__ = "parts"
    id: Mapped[str] = id_column()
    sku: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    unit: Mapped[str] = mapped_column(String(16), nullable=False, default="each")
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 4), nullable=False, default=Decimal(0))
    serialised: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Equipment models (assets.model) the part fits.
    compatible_models: Mapped[list[str]] = mapped_column(ARRAY(String(120)), nullable=False,
                                                         default=list)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("org_id", "sku"),
        CheckConstraint(f"unit IN {tuple(UNITS)!r}", name="unit_known"),
        CheckConstraint("unit_cost >= 0", name="unit_cost_positive"),
        Index("ix_parts_org_sync", "org_id", "sync_version"),
    )


class StockLocation(Tenanted, Timestamped, Base):
    """A warehouse, or a technician's van (one van per technician)."""
    __tablename__ = "stock_locations"
    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="warehouse")
    technician_id: Mapped[str | None] = ref("technicians.id", nullable=True, index=False)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("org_id", "code"),
        CheckConstraint(f"kind IN {LOCATION_KINDS!r}", name="kind_known"),
        CheckConstraint("(kind = 'van') = (technician_id IS NOT NULL)", name="van_has_technician"),
        Index("uq_stock_locations_van_technician", "technician_id", unique=True,
              postgresql_where=text("technician_id IS NOT NULL")),
    )


class StockLevel(Tenanted, Synced, Base):
    """The maintained summary per part and location: what the ledger adds up to."""
    __tablename__ = "stock_levels"
    id: Mapped[str] = id_column()
    part_id: Mapped[str] = ref("parts.id", index=False)
    location_id: Mapped[str] = ref("stock_locations.id")
    on_hand: Mapped[Decimal] = _qty()
    reserved: Mapped[Decimal] = _qty()
    available: Mapped[Decimal] = mapped_column(Numeric(14, 4),
                                               Computed("on_hand - reserved", persisted=True))
    last_movement_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 default=clock.now)
    __table_args__ = (UniqueConstraint("part_id", "location_id"),
                      Index("ix_stock_levels_org_sync", "org_id", "sync_version"))


class StockMovement(Base):
    """One row of the ledger. `quantity` is what physically moved (> 0); the deltas are its
    effect on the location's on-hand and reserved balances. Never updated, never deleted."""
    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(ID_MAX_LENGTH), ForeignKey("organisations.id"),
                                        nullable=False)
    part_id: Mapped[str] = ref("parts.id", index=False)
    location_id: Mapped[str] = ref("stock_locations.id", index=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    on_hand_delta: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    reserved_delta: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    unit_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    serial_numbers: Mapped[list[str]] = mapped_column(ARRAY(String(100)), nullable=False,
                                                      default=list, server_default="{}")
    condition: Mapped[str | None] = mapped_column(String(16))
    work_order_id: Mapped[str | None] = ref("work_orders.id", nullable=True, index=False)
    line_id: Mapped[str | None] = mapped_column(String(ID_MAX_LENGTH))
    parts_used_id: Mapped[str | None] = mapped_column(String(ID_MAX_LENGTH))
    transfer_id: Mapped[str | None] = mapped_column(String(ID_MAX_LENGTH))
    actor_id: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    device_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (
        CheckConstraint(f"kind IN {MOVEMENT_KINDS!r}", name="kind_known"),
        CheckConstraint("quantity >= 0", name="quantity_positive"),
        # History of a part at a location (newest first) and the rebuild's grouping.
        Index("ix_stock_movements_part_location", "part_id", "location_id", "id"),
        Index("ix_stock_movements_org_at", "org_id", "at"),
        Index("ix_stock_movements_wo", "work_order_id",
              postgresql_where=text("work_order_id IS NOT NULL")),
        # A pushed parts_used row becomes exactly one usage movement, however often replayed.
        Index("uq_stock_movements_parts_used", "parts_used_id", unique=True,
              postgresql_where=text("parts_used_id IS NOT NULL")),
    )


class SerialNumber(Tenanted, Timestamped, Base):
    """A serialised part's unit: unique per organisation, with its current whereabouts."""
    __tablename__ = "serial_numbers"
    id: Mapped[str] = id_column()
    part_id: Mapped[str] = ref("parts.id")
    serial: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="in_stock")
    location_id: Mapped[str | None] = ref("stock_locations.id", nullable=True, index=False)
    work_order_id: Mapped[str | None] = ref("work_orders.id", nullable=True, index=False)
    asset_id: Mapped[str | None] = ref("assets.id", nullable=True, index=False)
    __table_args__ = (UniqueConstraint("org_id", "serial"),
                      CheckConstraint(f"status IN {SERIAL_STATUSES!r}", name="status_known"))


class StockDiscrepancy(Tenanted, Base):
    """Something a planner must look at: a balance gone negative (offline usage of stock the
    server did not know about), or a summary that disagreed with its ledger."""
    __tablename__ = "stock_discrepancies"
    id: Mapped[str] = id_column()
    part_id: Mapped[str] = ref("parts.id", index=False)
    location_id: Mapped[str] = ref("stock_locations.id", index=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    movement_id: Mapped[int | None] = mapped_column(BigInteger)
    details: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    resolution: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint(f"kind IN {DISCREPANCY_KINDS!r}", name="kind_known"),
        Index("uq_stock_discrepancies_open", "part_id", "location_id", "kind", unique=True,
              postgresql_where=text("resolved_at IS NULL")),
    )


class ReorderPoint(Tenanted, Timestamped, Base):
    """Minimum stock of a part at a location (and the level a replenishment tops it up to)."""
    __tablename__ = "reorder_points"
    id: Mapped[str] = id_column()
    part_id: Mapped[str] = ref("parts.id", index=False)
    location_id: Mapped[str] = ref("stock_locations.id")
    min_quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    target_quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    __table_args__ = (UniqueConstraint("part_id", "location_id"),
                      CheckConstraint("min_quantity >= 0", name="min_positive"))


class ReorderAlert(Tenanted, Base):
    """Available stock fell below the minimum; cleared when it is back at or above it."""
    __tablename__ = "reorder_alerts"
    id: Mapped[str] = id_column()
    part_id: Mapped[str] = ref("parts.id", index=False)
    location_id: Mapped[str] = ref("stock_locations.id", index=False)
    available: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    min_quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("uq_reorder_alerts_open", "part_id", "location_id", unique=True,
              postgresql_where=text("cleared_at IS NULL")),
        Index("ix_reorder_alerts_org_open", "org_id", "raised_at",
              postgresql_where=text("cleared_at IS NULL")),
    )


class StockTransfer(Tenanted, Timestamped, Base):
    """Stock sent from one location to another: out at shipping, in when the receiver confirms."""
    __tablename__ = "stock_transfers"
    id: Mapped[str] = id_column()
    from_location_id: Mapped[str] = ref("stock_locations.id", index=False)
    to_location_id: Mapped[str] = ref("stock_locations.id")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="in_transit")
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_by: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    __table_args__ = (CheckConstraint(f"status IN {TRANSFER_STATUSES!r}", name="status_known"),
                      CheckConstraint("from_location_id <> to_location_id",
                                      name="distinct_locations"))


class StockTransferLine(Tenanted, Base):
    __tablename__ = "stock_transfer_lines"
    id: Mapped[str] = id_column()
    transfer_id: Mapped[str] = ref("stock_transfers.id", ondelete="CASCADE")
    part_id: Mapped[str] = ref("parts.id", index=False)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    serial_numbers: Mapped[list[str]] = mapped_column(ARRAY(String(100)), nullable=False,
                                                      default=list)


class WorkOrderPart(Tenanted, Timestamped, Synced, Base):
    """A parts line of a work order: planned (estimated) → reserved → used (or cancelled)."""
    __tablename__ = "work_order_parts"
    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = ref("work_orders.id", index=False, ondelete="CASCADE")
    part_id: Mapped[str] = ref("parts.id", index=False)
    location_id: Mapped[str | None] = ref("stock_locations.id", nullable=True, index=False)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    reserved_quantity: Mapped[Decimal] = _qty()
    used_quantity: Mapped[Decimal] = _qty()
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="planned")
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 4), nullable=False, default=Decimal(0))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    __table_args__ = (
        CheckConstraint(f"status IN {LINE_STATUSES!r}", name="status_known"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_work_order_parts_wo", "work_order_id"),
        Index("ix_work_order_parts_org_sync", "org_id", "sync_version"),
    )


class PartUsed(Tenanted, Synced, Base):
    """A part a technician put in (often offline): append-only, synced, one ledger movement."""
    __tablename__ = "parts_used"
    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = ref("work_orders.id", index=False)
    line_id: Mapped[str | None] = ref("work_order_parts.id", nullable=True, index=False)
    part_id: Mapped[str] = ref("parts.id", index=False)
    location_id: Mapped[str] = ref("stock_locations.id", index=False)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4), nullable=False)
    serial_numbers: Mapped[list] = mapped_column(JSONB, nullable=False, default=list)
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 4), nullable=False, default=Decimal(0))
    technician_id: Mapped[str | None] = ref("technicians.id", nullable=True, index=False)
    used_by: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    note: Mapped[str | None] = mapped_column(Text)
    used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 default=clock.now)
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_parts_used_wo", "work_order_id"),
        Index("ix_parts_used_org_used_at", "org_id", "used_at"),
        Index("ix_parts_used_org_sync", "org_id", "sync_version"),
    )
