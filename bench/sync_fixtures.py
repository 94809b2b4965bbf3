"""What the sync benchmarks share: the dataset's organisation and technicians, topping a
technician's work up to a given size, server-side edits that get stamped like real ones, and a
device's view of its rows.

Each benchmark works on its own quarter of the technicians (ordered by id), so running one
never changes the rows another measures. Every change goes through the ORM or the work-order
service and commits, so it is stamped by the version triggers exactly as in production
(dispatch/versioning.py).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from bench.common import dataset_info, progress, redacted, sqlalchemy_url
from dispatch import clock, migrate
from dispatch.actors import Actor
from dispatch.ids import new_id
from dispatch.models import ChecklistItem, WorkOrder, WorkOrderNote
from dispatch.states import OPEN_STATUSES, TERMINAL
from dispatch.workorders import service

SLICES = {"pull": 0, "first": 1, "push": 2, "http": 3}   # quarter of the technicians each uses
NOTE_BODIES = ("Called the customer: access from 8:00.", "Spare part on the van.",
               "Dispatcher: please take photos of the nameplate.", "Customer asks for a quote.")


@dataclass(frozen=True)
class Tech:
    id: str
    user_id: str
    email: str


@dataclass
class Bench:
    url: str
    engine: Engine
    org_id: str
    dispatcher: Actor
    techs: list[Tech]
    dataset: dict

    def actor(self, tech: Tech, device: str | None = None) -> Actor:
        return Actor(user_id=tech.user_id, org_id=self.org_id, role="technician",
                     technician_id=tech.id, device_id=device or f"bench-{tech.id}")

    def slice(self, name: str, count: int) -> list[Tech]:
        quarter = len(self.techs) // len(SLICES)
        start = SLICES[name] * quarter
        if count > quarter:
            fail(f"{count} technicians asked for, this dataset has {quarter} per benchmark "
                 "(a quarter of its technicians)")
        return self.techs[start:start + count]

    def unused(self, name: str, count: int) -> list[Tech]:
        """`count` technicians of the benchmark's quarter that no earlier run of it used, and
        mark them used: a benchmark that moves work through its lifecycle would otherwise find
        it further along on every run (more completions, fewer edits), and runs would not
        compare."""
        quarter = self.slice(name, len(self.techs) // len(SLICES))
        with self.engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS bench_used_technicians "
                              "(bench text, technician_id text, PRIMARY KEY (bench, "
                              "technician_id))"))
            used = set(conn.scalars(text("SELECT technician_id FROM bench_used_technicians "
                                         "WHERE bench = :b"), {"b": name}))
            fresh = [t for t in quarter if t.id not in used][:count]
            if len(fresh) < count:
                fail(f"only {len(fresh)} technicians left that earlier {name} runs did not use: "
                     "reload the dataset (`fieldwork bench datagen -- --sync-records --force`)")
            conn.execute(text("INSERT INTO bench_used_technicians VALUES (:b, :t)"),
                         [{"b": name, "t": t.id} for t in fresh])
        return fresh


def fail(message: str) -> NoReturn:
    """Stop the benchmark with a reason (`fieldwork bench` does not print SystemExit's)."""
    progress(f"error: {message}")
    raise SystemExit(2)


def open_bench(url: str, *, sync_records: bool = True) -> Bench:
    """The loaded dataset at `url` (a libpq URL); migrates first, as every benchmark does."""
    migrate.upgrade(sqlalchemy_url(url))
    dataset = dataset_info(url)
    if dataset is None:
        fail(f"no benchmark dataset in {redacted(url)}: run `fieldwork bench datagen -- "
             "--sync-records` first")
    if sync_records and not dataset.get("sync_records"):
        fail(f"the dataset in {redacted(url)} has no sync records (notes, checklist items, "
             "versions): reload it with `fieldwork bench datagen -- --sync-records --force`")
    import dispatch.versioning  # noqa: F401 - the hooks that log tombstones and scope changes
    engine = create_engine(sqlalchemy_url(url), pool_size=4, max_overflow=4)
    with engine.connect() as conn:
        org_id = conn.scalar(text("SELECT id FROM organisations WHERE slug = 'bench'"))
        dispatcher = conn.scalar(text("SELECT id FROM users WHERE org_id = :o AND role = "
                                      "'dispatcher' ORDER BY id LIMIT 1"), {"o": org_id})
        techs = [Tech(*row) for row in conn.execute(text(
            "SELECT t.id, u.id, u.email FROM technicians t JOIN users u ON u.id = t.user_id "
            "WHERE t.org_id = :o ORDER BY t.id"), {"o": org_id})]
    return Bench(url, engine, org_id, Actor(user_id=dispatcher, org_id=org_id,
                                            role="dispatcher"), techs, dataset)


# -- shaping a technician's work -------------------------------------------------------------

def assigned(session: Session, org_id: str, tech_id: str, *, open_only: bool = False) -> list:
    stmt = select(WorkOrder.id).where(WorkOrder.org_id == org_id,
                                      WorkOrder.assignee_id == tech_id)
    if open_only:
        stmt = stmt.where(WorkOrder.status.in_(OPEN_STATUSES))
    return list(session.scalars(stmt.order_by(WorkOrder.id)))


def top_up(session: Session, org_id: str, tech_id: str, total: int, *, open_min: int = 0) -> int:
    """Assign unassigned work until the technician has `total` work orders, at least
    `open_min` of them open (new work becomes `assigned`). Commits; returns how many moved."""
    have = len(assigned(session, org_id, tech_id))
    have_open = len(assigned(session, org_id, tech_id, open_only=True))
    want_open = max(0, open_min - have_open)
    want = max(total - have, want_open)
    if want <= 0:
        return 0
    pool = select(WorkOrder).where(WorkOrder.org_id == org_id, WorkOrder.assignee_id.is_(None))
    fresh = list(session.scalars(pool.where(WorkOrder.status == "new").order_by(WorkOrder.id)
                                 .limit(want).with_for_update(skip_locked=True)))
    if len(fresh) < want and not want_open:
        fresh += session.scalars(pool.where(WorkOrder.status != "new").order_by(WorkOrder.id)
                                 .limit(want - len(fresh)).with_for_update(skip_locked=True))
    now = clock.now()
    for wo in fresh:
        wo.assignee_id = tech_id
        if wo.status == "new":
            wo.status, wo.assigned_at, wo.status_changed_at = "assigned", now, now
    session.commit()
    return len(fresh)


# -- server-side changes to a technician's rows ------------------------------------------------

def dispatcher_changes(session: Session, bench: Bench, tech: Tech, count: int,
                       rng: random.Random) -> dict[str, int]:
    """`count` distinct records of the technician changed by the office and committed:
    description edits of open work (through the work-order service, at most a third), checklist
    items answered (a third), new notes for the rest."""
    wo_ids = assigned(session, bench.org_id, tech.id)
    open_ids = assigned(session, bench.org_id, tech.id, open_only=True)
    edits = rng.sample(open_ids, min(len(open_ids), count // 3))
    for wo_id in edits:
        service.update(session, bench.dispatcher, wo_id,
                       {"description": f"Updated by the office ({new_id()})"},
                       service.ANY_VERSION)
    items = list(session.scalars(select(ChecklistItem).where(
        ChecklistItem.work_order_id.in_(wo_ids)).order_by(func.random()).limit(count // 3)))
    for item in items:
        item.value_text = f"office note {new_id()}"
    notes = count - len(edits) - len(items)
    for _ in range(notes):
        session.add(WorkOrderNote(id=new_id(), org_id=bench.org_id,
                                  work_order_id=rng.choice(wo_ids),
                                  author_id=bench.dispatcher.user_id,
                                  body=rng.choice(NOTE_BODIES), created_at=clock.now()))
    session.commit()
    return {"work_orders": len(edits), "checklist_items": len(items), "work_order_notes": notes}


# -- what a device pushes ----------------------------------------------------------------------

def device_batch(rows: dict[str, dict[str, dict]], counts: dict[str, int], rng: random.Random,
                 now_ms: int) -> dict:
    """A push from a device holding `rows` (as pulled): `counts` of new notes
    (`work_order_notes`), new time entries, checklist answers, and work-order edits
    (`work_orders`: description, plus a status move where the machine allows one)."""
    changes = {t: {"created": [], "updated": [], "deleted": []} for t in (
        "work_orders", "work_order_notes", "checklist_items", "time_entries")}
    wos = list(rows.get("work_orders", {}).values())
    open_wos = [w for w in wos if w["status"] in OPEN_STATUSES and w["status"] not in TERMINAL]
    for wo in rng.sample(open_wos, min(len(open_wos), counts.get("work_orders", 0))):
        changes["work_orders"]["updated"].append(_wo_edit(wo, now_ms))
    items = list(rows.get("checklist_items", {}).values())
    for item in rng.sample(items, min(len(items), counts.get("checklist_items", 0))):
        changes["checklist_items"]["updated"].append({
            **item, "checked": not item["checked"], "value_text": f"answer {new_id()}",
            "updated_at": now_ms, "_status": "updated", "_changed": "checked,value_text"})
    ids = [w["id"] for w in wos]
    for _ in range(counts.get("work_order_notes", 0)):
        changes["work_order_notes"]["created"].append({
            "id": new_id(), "work_order_id": rng.choice(ids), "body": rng.choice(NOTE_BODIES),
            "author_id": None, "created_at": now_ms, "_status": "created", "_changed": ""})
    for n in range(counts.get("time_entries", 0)):
        end = now_ms - n * 60_000
        changes["time_entries"]["created"].append({
            "id": new_id(), "work_order_id": rng.choice(ids), "technician_id": None,
            "kind": rng.choice(("travel", "work")), "started_at": end - 45 * 60_000,
            "ended_at": end, "note": None, "created_at": end, "_status": "created",
            "_changed": ""})
    return changes


_NEXT_STATUS = {"assigned": "en_route", "dispatched": "en_route", "en_route": "in_progress",
                "on_hold": "in_progress"}


def _wo_edit(wo: dict, now_ms: int) -> dict:
    edit = {**wo, "description": f"{wo['description'][:150]} / on site {new_id()}",
            "updated_at": now_ms, "_status": "updated"}
    changed = ["description"]
    if wo["status"] in _NEXT_STATUS:
        edit["status"] = _NEXT_STATUS[wo["status"]]
        changed.append("status")
    edit["_changed"] = ",".join(changed)
    return edit


def local_rows(changes: dict) -> dict[str, dict[str, dict]]:
    """A device's local tables after applying a pull's changes."""
    out: dict[str, dict[str, dict]] = {}
    for table, lists in changes.items():
        local = out.setdefault(table, {})
        for row in lists["created"] + lists["updated"]:
            local[row["id"]] = row
        for record_id in lists["deleted"]:
            local.pop(record_id, None)
    return out


def now_ms() -> int:
    return int(clock.now().timestamp() * 1000)
