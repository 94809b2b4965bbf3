"""The stock ledger: every movement is an immutable row; balances are derived from it.

`post()` is the only writer. In one transaction it appends the movement and adds its deltas to
the part's summary row at the location with `INSERT … ON CONFLICT DO UPDATE`, which takes that
row's lock until commit: concurrent movements on one part and location queue behind each other,
so the balance each one sees (and checks, when it must not overdraw) is exact. Offline usage is
never refused: a balance it takes below zero raises a stock discrepancy for the planners.

`check()` rebuilds every balance from the ledger in one snapshot and reports (and on request
repairs) the summary rows that disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Numeric,
    String,
    Text,
    bindparam,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.errors import Conflict
from dispatch.ids import new_id
from dispatch.models import (
    Part,
    StockLevel,
)

ZERO = Decimal(0)


class InsufficientStock(Conflict):
    code = "insufficient_stock"


@dataclass(frozen=True)
class Balance:
    level_id: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    movement_id: int


def post(session: Session, actor: Actor, part: Part, location_id: str, kind: str,
         quantity: Decimal, *, on_hand_delta: Decimal = ZERO, reserved_delta: Decimal = ZERO,
         strict: bool = False, field: str = "quantity", serials: list[str] | None = None,
         work_order_id: str | None = None, line_id: str | None = None,
         parts_used_id: str | None = None, transfer_id: str | None = None,
         condition: str | None = None, reason: str | None = None) -> Balance:
    """Append one movement and apply it to the summary. `strict`: refuse (InsufficientStock,
    naming `field`) when it would leave less than nothing available — for moves a person makes
    online (transfers, reservations); usage recorded in the field is never strict."""
    if strict and (on_hand_delta < 0 or reserved_delta > 0):
        _refuse_overdraw(session, part, location_id, on_hand_delta - reserved_delta, field)
    now = clock.now()
    level_id, on_hand, reserved, available, movement_id, minimum = session.execute(
        _POST, {"org_id": part.org_id, "part_id": part.id, "location_id": location_id,
                "kind": kind, "quantity": quantity, "on_hand_delta": on_hand_delta,
                "reserved_delta": reserved_delta, "unit_cost": part.unit_cost,
                "serials": serials or [], "condition": condition,
                "work_order_id": work_order_id, "line_id": line_id,
                "parts_used_id": parts_used_id, "transfer_id": transfer_id,
                "actor_id": actor.user_id or None, "device_id": actor.device_id,
                "reason": reason, "at": now, "level_id": new_id()}).one()
    if on_hand < 0 and on_hand_delta < 0:
        _negative_balance(session, part, location_id, on_hand, movement_id, now)
    if minimum is not None:
        reorder_check(session, part, location_id, available, minimum, now)
    return Balance(level_id, on_hand, reserved, available, movement_id)


def _refuse_overdraw(session: Session, part: Part, location_id: str, change: Decimal,
                     field: str) -> None:
    """Lock the summary row first, so the balance checked is the one the movement changes."""
    available = session.scalar(select(StockLevel.available).where(
        StockLevel.part_id == part.id, StockLevel.location_id == location_id)
        .with_for_update()) or ZERO
    if available + change < 0:
        raise InsufficientStock(
            f"{field}: only {available.normalize():f} {part.unit} of {part.sku} available at "
            "this location", field=field, details={"available": float(available)})


# The movement and its effect on the summary in one round trip: the hot path of every
# movement (a sync push applies one per part used). The upsert locks the summary row until
# commit; RETURNING hands back the new balance and the location's minimum for the part.
_POST = text("""
WITH movement AS (
    INSERT INTO stock_movements (org_id, part_id, location_id, kind, quantity, on_hand_delta,
        reserved_delta, unit_cost, serial_numbers, condition, work_order_id, line_id,
        parts_used_id, transfer_id, actor_id, device_id, reason, at)
    VALUES (:org_id, :part_id, :location_id, :kind, :quantity, :on_hand_delta, :reserved_delta,
        :unit_cost, :serials, :condition, :work_order_id, :line_id, :parts_used_id,
        :transfer_id, :actor_id, :device_id, :reason, :at)
    RETURNING id)
INSERT INTO stock_levels AS s (id, org_id, part_id, location_id, on_hand, reserved,
    last_movement_id, updated_at)
SELECT :level_id, :org_id, :part_id, :location_id, :on_hand_delta, :reserved_delta,
    movement.id, :at FROM movement
ON CONFLICT (part_id, location_id) DO UPDATE SET on_hand = s.on_hand + excluded.on_hand,
    reserved = s.reserved + excluded.reserved, last_movement_id = excluded.last_movement_id,
    updated_at = excluded.updated_at
RETURNING s.id, s.on_hand, s.reserved, s.available, s.last_movement_id,
    (SELECT r.min_quantity FROM reorder_points r
     WHERE r.part_id = s.part_id AND r.location_id = s.location_id)
""").bindparams(bindparam("serials", type_=ARRAY(String(100))),
                bindparam("quantity", type_=Numeric(14, 4)),
                bindparam("on_hand_delta", type_=Numeric(14, 4)),
                bindparam("reserved_delta", type_=Numeric(14, 4)),
                bindparam("unit_cost", type_=Numeric(12, 4)),
                bindparam("at", type_=DateTime(timezone=True)))


def _negative_balance(session: Session, part: Part, location_id: str, on_hand: Decimal,
                      movement_id: int, now) -> None:
    """One open discrepancy per part, location and kind: a further overdraw updates it."""
    session.connection().execute(_DISCREPANCY, {
        "id": new_id(), "org_id": part.org_id, "part_id": part.id, "location_id": location_id,
        "quantity": on_hand, "movement_id": movement_id, "at": now})


def reorder_check(session: Session, part: Part, location_id: str, available: Decimal,
                  minimum: Decimal, now) -> None:
    """Open (or refresh) the reorder alert below the minimum; clear it at or above."""
    params = {"part_id": part.id, "location_id": location_id, "available": available,
              "at": now}
    if available < minimum:
        session.connection().execute(_ALERT, {**params, "id": new_id(), "org_id": part.org_id,
                                              "minimum": minimum})
    else:
        session.connection().execute(_CLEAR, params)


# Constant statements: the hot path compiles nothing per call.
_DISCREPANCY = text("""
INSERT INTO stock_discrepancies (id, org_id, part_id, location_id, kind, quantity, movement_id,
    details, detected_at)
VALUES (:id, :org_id, :part_id, :location_id, 'negative_balance', :quantity, :movement_id,
    '{}', :at)
ON CONFLICT (part_id, location_id, kind) WHERE resolved_at IS NULL
DO UPDATE SET quantity = excluded.quantity, movement_id = excluded.movement_id
""").bindparams(bindparam("quantity", type_=Numeric(14, 4)),
                bindparam("at", type_=DateTime(timezone=True)))
_ALERT = text("""
INSERT INTO reorder_alerts (id, org_id, part_id, location_id, available, min_quantity,
    raised_at)
VALUES (:id, :org_id, :part_id, :location_id, :available, :minimum, :at)
ON CONFLICT (part_id, location_id) WHERE cleared_at IS NULL
DO UPDATE SET available = excluded.available, min_quantity = excluded.min_quantity
""").bindparams(bindparam("available", type_=Numeric(14, 4)),
                bindparam("minimum", type_=Numeric(14, 4)),
                bindparam("at", type_=DateTime(timezone=True)))
_CLEAR = text("""
UPDATE reorder_alerts SET cleared_at = :at, available = :available
WHERE part_id = :part_id AND location_id = :location_id AND cleared_at IS NULL
""").bindparams(bindparam("available", type_=Numeric(14, 4)),
                bindparam("at", type_=DateTime(timezone=True)))


def level_for_update(session: Session, part: Part, location_id: str) -> StockLevel | None:
    """The summary row, locked until commit (counts compare against it)."""
    return session.scalar(select(StockLevel).where(
        StockLevel.part_id == part.id, StockLevel.location_id == location_id)
        .with_for_update().execution_options(populate_existing=True))


# --- many movements at once (parts used, posted when their unit of work flushes) ---------------

@dataclass
class Move:
    part: Any                      # a Part, or a row with id, org_id, unit_cost
    location_id: str
    kind: str
    quantity: Decimal
    on_hand_delta: Decimal
    reserved_delta: Decimal = ZERO
    serials: list[str] = field(default_factory=list)
    work_order_id: str | None = None
    line_id: str | None = None
    parts_used_id: str | None = None
    actor_id: str | None = None
    device_id: str | None = None


def post_many(session: Session, moves: list[Move]) -> None:
    """Append many movements with one INSERT and apply them with one upsert of the summary,
    its rows in (part, location) order — so two batches touching the same rows lock them in
    the same order and never deadlock. Both statements take their rows as arrays (`unnest`),
    so their text never changes with the batch's size. Overdraws and minimums are then
    handled per summary row, as `post` does."""
    conn, now = session.connection(), clock.now()
    columns: dict[str, list] = {name: [] for name in _MOVE_ARRAYS}
    for m in moves:
        for name, value in zip(_MOVE_ARRAYS, (
                m.part.org_id, m.part.id, m.location_id, m.kind, m.quantity, m.on_hand_delta,
                m.reserved_delta, m.part.unit_cost, json.dumps(m.serials), m.work_order_id,
                m.line_id, m.parts_used_id, m.actor_id, m.device_id), strict=True):
            columns[name].append(value)
    totals: dict[tuple[str, str], list] = {}
    for m in moves:
        total = totals.setdefault((m.part.id, m.location_id), [ZERO, ZERO, 0, m.part])
        total[0] += m.on_hand_delta
        total[1] += m.reserved_delta
    for movement_id, part_id, location_id in conn.execute(_MOVES, {**columns, "at": now}):
        total = totals[(part_id, location_id)]
        total[2] = max(total[2], movement_id)
    keys = sorted(totals)
    levels = conn.execute(_LEVELS, {
        "ids": [new_id() for _ in keys], "org_ids": [totals[k][3].org_id for k in keys],
        "part_ids": [k[0] for k in keys], "location_ids": [k[1] for k in keys],
        "on_hands": [totals[k][0] for k in keys], "reserveds": [totals[k][1] for k in keys],
        "lasts": [totals[k][2] for k in keys], "at": now})
    for _level, part_id, location_id, on_hand, available, floor in levels:
        delta, _, last, part = totals[(part_id, location_id)]
        if on_hand < 0 and delta < 0:
            _negative_balance(session, part, location_id, on_hand, last, now)
        if floor is not None:
            reorder_check(session, part, location_id, available, floor, now)


_MOVE_ARRAYS = ("org_ids", "part_ids", "location_ids", "kinds", "quantities", "on_hand_deltas",
                "reserved_deltas", "unit_costs", "serials", "work_order_ids", "line_ids",
                "parts_used_ids", "actor_ids", "device_ids")
_NUMERIC = ("quantities", "on_hand_deltas", "reserved_deltas", "unit_costs")
_MOVES = text("""
INSERT INTO stock_movements (org_id, part_id, location_id, kind, quantity, on_hand_delta,
    reserved_delta, unit_cost, serial_numbers, work_order_id, line_id, parts_used_id, actor_id,
    device_id, at)
SELECT u.org_id, u.part_id, u.location_id, u.kind, u.quantity, u.on_hand_delta,
    u.reserved_delta, u.unit_cost, ARRAY(SELECT jsonb_array_elements_text(u.serials::jsonb)),
    u.work_order_id, u.line_id, u.parts_used_id, u.actor_id, u.device_id, :at
FROM unnest(:org_ids, :part_ids, :location_ids, :kinds, :quantities, :on_hand_deltas,
    :reserved_deltas, :unit_costs, :serials, :work_order_ids, :line_ids, :parts_used_ids,
    :actor_ids, :device_ids)
    AS u(org_id, part_id, location_id, kind, quantity, on_hand_delta, reserved_delta,
         unit_cost, serials, work_order_id, line_id, parts_used_id, actor_id, device_id)
RETURNING id, part_id, location_id
""").bindparams(*(bindparam(name, type_=ARRAY(Numeric) if name in _NUMERIC else ARRAY(Text))
                  for name in _MOVE_ARRAYS),
                bindparam("at", type_=DateTime(timezone=True)))
_LEVELS = text("""
INSERT INTO stock_levels AS s (id, org_id, part_id, location_id, on_hand, reserved,
    last_movement_id, updated_at)
SELECT u.id, u.org_id, u.part_id, u.location_id, u.on_hand, u.reserved, u.last, :at
FROM unnest(:ids, :org_ids, :part_ids, :location_ids, :on_hands, :reserveds, :lasts)
    AS u(id, org_id, part_id, location_id, on_hand, reserved, last)
ON CONFLICT (part_id, location_id) DO UPDATE SET on_hand = s.on_hand + excluded.on_hand,
    reserved = s.reserved + excluded.reserved, last_movement_id = excluded.last_movement_id,
    updated_at = excluded.updated_at
RETURNING s.id, s.part_id, s.location_id, s.on_hand, s.available,
    (SELECT r.min_quantity FROM reorder_points r
     WHERE r.part_id = s.part_id AND r.location_id = s.location_id)
""").bindparams(*(bindparam(name, type_=ARRAY(Text)) for name in
                  ("ids", "org_ids", "part_ids", "location_ids")),
                bindparam("on_hands", type_=ARRAY(Numeric)),
                bindparam("reserveds", type_=ARRAY(Numeric)),
                bindparam("lasts", type_=ARRAY(BigInteger)),
                bindparam("at", type_=DateTime(timezone=True)))
