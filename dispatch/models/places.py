"""Customers, their geolocated sites, and the equipment (assets) installed there."""

from __future__ import annotations

from datetime import date

from geoalchemy2 import Geography, Geometry
from sqlalchemy import Date, Index, String, Text, cast, func
from sqlalchemy.orm import Mapped, column_property, mapped_column

from dispatch.models.base import Base, Tenanted, Timestamped, id_column, ref
from dispatch.models.changes import Synced


class Customer(Tenanted, Timestamped, Base):
    __tablename__ = "customers"
    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)


class Site(Tenanted, Timestamped, Synced, Base):
    __tablename__ = "sites"
    id: Mapped[str] = id_column()
    customer_id: Mapped[str | None] = ref("customers.id", nullable=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    address: Mapped[str] = mapped_column(Text, nullable=False)
    # geography: distances in metres on the spheroid, never in degrees.
    location = mapped_column(
        Geography("POINT", srid=4326, spatial_index=False), nullable=False,
    )
    lon = column_property(func.ST_X(cast(location, Geometry)), deferred=False)
    lat = column_property(func.ST_Y(cast(location, Geometry)), deferred=False)
    access_notes: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_sites_location", "location", postgresql_using="gist"),
                      Index("ix_sites_org_sync", "org_id", "sync_version"))


class Asset(Tenanted, Timestamped, Synced, Base):
    __tablename__ = "assets"
    id: Mapped[str] = id_column()
    site_id: Mapped[str] = ref("sites.id")
    parent_id: Mapped[str | None] = ref("assets.id", nullable=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    model: Mapped[str | None] = mapped_column(String(120))
    manufacturer: Mapped[str | None] = mapped_column(String(120))
    serial: Mapped[str | None] = mapped_column(String(120))
    installed_on: Mapped[date | None] = mapped_column(Date)
    warranty_until: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (Index("ix_assets_org_sync", "org_id", "sync_version"),)
