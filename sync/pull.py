"""Pull: every change a device's user may see since its cursor, as WatermelonDB expects.

Consistency: the horizon V (dispatch/versioning.py) is a version below which every write has
ended, so every change with a version ≤ V is final and visible, and every later write gets a
version > V. Every query is bounded by V: a row changed again while the pull runs (version > V)
is left to the next pull, which starts at V — nothing is skipped, whatever the isolation level.
Large pulls are paged against that fixed V; the cursor a client stores only moves to V with the
last page.

Scope (technicians): the work orders assigned to them — finished work (completed, closed,
cancelled) only for `finished_days` after it finished, so a veteran's first sync brings the
current work, not years of history — those work orders' children (notes, checklist items, time
entries, readings), and their sites with the assets installed there. Work that ages out of the
window stays on a phone that already holds it, as it was (it is finished: nothing more to do).
A work order that entered the scope since the cursor arrives whole as `created`, however old its
rows; one that left it is sent as `deleted` with its children and with sites no longer needed.
Staff devices see the whole organisation.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.errors import ValidationFailed
from dispatch.inventory.locations import van_stock_ids
from sync import protocol, store
from sync.registry import BY_NAME, CHILD_TABLES, TABLES, Table


@dataclass
class PullResult:
    changes: dict
    timestamp: int
    next_page: str | None = None
    counts: dict = field(default_factory=dict)


@dataclass
class _Plan:
    """Ids to send per table and verb, before paging."""
    created: dict[str, set[str]] = field(default_factory=lambda: {t.name: set() for t in TABLES})
    updated: dict[str, set[str]] = field(default_factory=lambda: {t.name: set() for t in TABLES})
    deleted: dict[str, set[str]] = field(default_factory=lambda: {t.name: set() for t in TABLES})
    rows: dict[tuple[str, str], object] = field(default_factory=dict)
    device: str | None = None
    active: set[str] | None = None   # tables changed since the cursor (None: not known)
    finished_since: datetime | None = None  # technicians: older finished work is out of scope


def pull(session: Session, actor: Actor, last_pulled_at: int, *, page: str | None = None,
         page_size: int | None = None, finished_days: int = 0) -> PullResult:
    """`page_size` opts into paging (a stock WatermelonDB client that knows nothing of
    `next_page` gets everything at once and is never handed a cursor it must not store).
    `finished_days`: how long finished work stays in a technician's scope (0: forever)."""
    token = _decode_page(page) if page else None
    upper = token["v"] if token else store.version_now(session)
    cursor = 0 if last_pulled_at > upper else last_pulled_at  # a cursor from a restored server
    finished_since = clock.now() - timedelta(days=finished_days) if finished_days > 0 else None
    plan = _plan(session, actor, cursor, upper, finished_since)
    items = _ordered(plan)
    start = _position_after(items, token["after"]) if token else 0
    size = page_size or len(items) or 1
    chunk = items[start:start + size]
    more = start + size < len(items)
    changes = protocol.empty_changes(TABLES)
    for table_name, verb, record_id in chunk:
        if verb == "deleted":
            changes[table_name]["deleted"].append(record_id)
        else:
            row = plan.rows[(table_name, record_id)]
            changes[table_name][verb].append(protocol.encode_row(BY_NAME[table_name], row))
    next_page = _encode_page(upper, chunk[-1]) if more else None
    # Until the last page, hand back the old cursor: a client that stops early loses nothing.
    return PullResult(changes, cursor if more else upper, next_page,
                      {"total": len(items), "page": len(chunk)})


def _plan(session: Session, actor: Actor, cursor: int, upper: int,
          finished_since: datetime | None) -> _Plan:
    plan = _Plan(device=actor.device_id, finished_since=finished_since)
    if cursor:
        plan.active = store.tables_with_changes(session, TABLES, actor.org_id, lo=cursor,
                                                hi=upper)
    if actor.role == "technician":
        _technician_plan(session, actor, plan, cursor, upper)
    else:
        _organisation_plan(session, actor, plan, cursor, upper)
    _deletions(session, actor, plan, cursor, upper)
    return plan


def _add_rows(plan: _Plan, table: Table, rows, cursor: int, *, force_created: bool = False):
    for row in rows:
        if table.withdrawn and getattr(row, table.withdrawn) is not None:
            plan.deleted[table.name].add(row.id)  # withdrawn on the server (e.g. a photo)
            continue
        plan.rows[(table.name, row.id)] = row
        new_to_device = row.created_version > cursor and row.origin_device_id != plan.device
        if force_created or cursor == 0 or new_to_device:
            plan.created[table.name].add(row.id)
            plan.updated[table.name].discard(row.id)
        elif row.id not in plan.created[table.name]:
            plan.updated[table.name].add(row.id)


def _since(session, plan: _Plan, table: Table, org_id: str, cursor: int, upper: int,
           **scope) -> list:
    """Rows of `table` changed since the cursor (within `scope`), without a query when the
    table had no change at all."""
    if plan.active is not None and table.name not in plan.active:
        return []
    return store.changed_rows(session, table, org_id, lo=cursor, hi=upper, **scope)


def _technician_plan(session, actor, plan, cursor, upper) -> None:
    org, tech = actor.org_id, actor.technician_id
    site_of = store.assigned_work_orders(session, org, tech, plan.finished_since) if tech else {}
    scope = set(site_of)
    entered, left = store.scope_moves(session, org, tech, cursor, upper) if tech else (set(), set())
    entered &= scope
    left -= scope
    fresh = entered if cursor else scope  # rows to send whole, whatever their version
    wo, sites, assets = BY_NAME["work_orders"], BY_NAME["sites"], BY_NAME["assets"]
    if fresh:
        _add_rows(plan, wo, store.changed_rows(session, wo, org, lo=0, hi=upper, ids=fresh),
                  cursor, force_created=True)
        for t in CHILD_TABLES:
            _add_rows(plan, t, store.changed_rows(session, t, org, lo=0, hi=upper,
                                                  work_order_ids=fresh), cursor,
                      force_created=True)
    steady = scope - fresh
    if steady:
        _add_rows(plan, wo, _since(session, plan, wo, org, cursor, upper, ids=steady), cursor)
        for t in CHILD_TABLES:
            _add_rows(plan, t, _since(session, plan, t, org, cursor, upper,
                                      work_order_ids=steady), cursor)
    site_scope = set(site_of.values())
    new_sites = {site_of[wo_id] for wo_id in fresh}   # fresh is part of the scope
    old_sites = site_scope - new_sites
    for t in (sites, assets):
        if new_sites:
            _add_rows(plan, t, store.changed_rows(session, t, org, lo=0, hi=upper,
                                                  site_ids=new_sites), cursor, force_created=True)
        if old_sites:
            _add_rows(plan, t, _since(session, plan, t, org, cursor, upper,
                                      site_ids=old_sites), cursor)
    _left_scope(session, plan, left, site_scope)
    _catalogue_and_van(session, actor, plan, cursor, upper)


def _catalogue_and_van(session, actor, plan: _Plan, cursor: int, upper: int) -> None:
    """The parts catalogue (the whole organisation's) and the stock of the technician's van."""
    for t in TABLES:
        if t.scope == "catalogue":
            _add_rows(plan, t, _since(session, plan, t, actor.org_id, cursor, upper), cursor)
        elif t.scope == "van" and (plan.active is None or t.name in plan.active):
            ids = van_stock_ids(session, actor.org_id, actor.technician_id)
            if ids:
                _add_rows(plan, t, _since(session, plan, t, actor.org_id, cursor, upper,
                                          ids=ids), cursor)


def _left_scope(session, plan: _Plan, left: set[str], site_scope: set[str]) -> None:
    if not left:
        return
    plan.deleted["work_orders"] |= left
    for t in CHILD_TABLES:
        plan.deleted[t.name] |= set(store.child_ids(session, t, left))
    gone_sites = store.site_ids_of(session, left) - site_scope
    plan.deleted["sites"] |= gone_sites
    plan.deleted["assets"] |= set(store.asset_ids_at(session, gone_sites))


def _organisation_plan(session, actor, plan, cursor, upper) -> None:
    for t in TABLES:
        _add_rows(plan, t, _since(session, plan, t, actor.org_id, cursor, upper), cursor)


def _deletions(session, actor, plan: _Plan, cursor: int, upper: int) -> None:
    """Rows deleted on the server. Telling a device to delete a row it never had is harmless,
    so tombstones are filtered only as far as cheaply known (another technician's work)."""
    if cursor == 0:
        return
    for tomb in store.tombstones(session, actor.org_id, lo=cursor, hi=upper):
        if tomb.table_name not in BY_NAME:
            continue
        if actor.role == "technician" and tomb.table_name == "work_orders" and tomb.scope.get(
                "assignee_id") not in (None, actor.technician_id):
            continue
        plan.deleted[tomb.table_name].add(tomb.record_id)
    for t in TABLES:  # a record is either sent or deleted, never both
        for record_id in plan.deleted[t.name]:
            plan.created[t.name].discard(record_id)
            plan.updated[t.name].discard(record_id)


def _ordered(plan: _Plan) -> list[tuple[str, str, str]]:
    items = []
    for t in TABLES:
        for verb in ("created", "updated", "deleted"):
            items.extend((t.name, verb, rid) for rid in sorted(getattr(plan, verb)[t.name]))
    return items


def _position_after(items, after) -> int:
    key = tuple(after)
    for i, item in enumerate(items):
        if _key(item) > key:
            return i
    return len(items)


_ORDER = {t.name: i for i, t in enumerate(TABLES)}
_VERB = {"created": 0, "updated": 1, "deleted": 2}


def _key(item) -> tuple:
    return (_ORDER[item[0]], _VERB[item[1]], item[2])


def _encode_page(upper: int, last_item) -> str:
    raw = json.dumps({"v": upper, "after": list(_key(last_item))}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_page(token: str) -> dict:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not (isinstance(data["v"], int) and isinstance(data["after"], list)):
            raise ValueError
        return data
    except (ValueError, KeyError, TypeError):
        raise ValidationFailed("page is not a token this server issued; restart the pull "
                               "without it", field="page") from None
