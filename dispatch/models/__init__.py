"""All tables. Import models from here so the metadata is always complete."""

from dispatch.models.availability import (
    TIME_OFF_KINDS,
    Breadcrumbs,
    DispatchPolicy,
    Shift,
    TechnicianCapacity,
    TechnicianTerritory,
    Territory,
    TimeOff,
)
from dispatch.models.base import Base
from dispatch.models.changes import ScopeChange, Synced, Tombstone
from dispatch.models.inventory import (
    LOCATION_KINDS,
    MOVEMENT_KINDS,
    UNITS,
    Part,
    PartUsed,
    ReorderAlert,
    ReorderPoint,
    SerialNumber,
    StockDiscrepancy,
    StockLevel,
    StockLocation,
    StockMovement,
    StockTransfer,
    StockTransferLine,
    WorkOrderPart,
)
from dispatch.models.photos import PHOTO_KINDS, Photo, PhotoUpload
from dispatch.models.places import Asset, Customer, Site
from dispatch.models.records import ChecklistItem, MeterReading, TimeEntry, WorkOrderNote
from dispatch.models.routing import OBJECTIVES, PLAN_STATUSES, RoutePlan, RouteStop
from dispatch.models.tenancy import ROLES, AuthSession, Counter, Device, Organisation, User
from dispatch.models.workforce import TECHNICIAN_STATES, Skill, Technician, TechnicianSkill
from dispatch.models.workorders import SOURCES, Comment, WorkOrder, WorkOrderEvent, WorkOrderType

__all__ = [
    "TIME_OFF_KINDS", "Breadcrumbs", "DispatchPolicy", "Shift", "TechnicianCapacity",
    "TechnicianTerritory", "Territory", "TimeOff",
    "ChecklistItem", "MeterReading", "ScopeChange", "Synced", "TimeEntry", "Tombstone",
    "WorkOrderNote",
    "PHOTO_KINDS", "Photo", "PhotoUpload",
    "LOCATION_KINDS", "MOVEMENT_KINDS", "UNITS", "Part", "PartUsed", "ReorderAlert",
    "ReorderPoint", "SerialNumber", "StockDiscrepancy", "StockLevel", "StockLocation",
    "StockMovement", "StockTransfer", "StockTransferLine", "WorkOrderPart",
    "OBJECTIVES", "PLAN_STATUSES", "RoutePlan", "RouteStop",
    "ROLES", "SOURCES", "TECHNICIAN_STATES", "Asset", "AuthSession", "Base", "Comment", "Counter",
    "Customer", "Device", "Organisation", "Site", "Skill", "Technician", "TechnicianSkill", "User",
    "WorkOrder", "WorkOrderEvent", "WorkOrderType",
]
