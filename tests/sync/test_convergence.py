"""Several devices edit offline and sync in random orders; afterwards every device equals the
server, and every value that was overridden is in the conflict log (Hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from sqlalchemy import select

from dispatch import clock, db
from dispatch.errors import DomainError
from dispatch.ids import new_id
from dispatch.workorders import service
from sync.models import SyncConflict
from sync.pull import pull
from sync.push import push
from tests.factories import Factory

WORDS = st.sampled_from(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"])
EDITABLE = ("description", "resolution_notes")
DEVICE_STATUSES = ("en_route", "in_progress", "completed", "on_hold")


class SimDevice:
    """WatermelonDB's client rules: pull keeps locally changed columns, push sends them."""

    def __init__(self, actor, skew_ms: int):
        self.actor, self.skew_ms = actor, skew_ms
        self.cursor = 0
        self.rows: dict[str, dict[str, dict]] = {}
        self.pending: dict[tuple[str, str], set[str]] = {}  # (table, id) -> changed columns
        self.created: set[tuple[str, str]] = set()

    def now_hlc(self) -> int:
        return int(clock.now().timestamp() * 1000) + self.skew_ms

    def pull(self) -> None:
        with db.session_scope() as s:
            result = pull(s, self.actor, self.cursor)
        for table, lists in result.changes.items():
            local = self.rows.setdefault(table, {})
            for raw in lists["created"] + lists["updated"]:
                keep = self.pending.get((table, raw["id"]), set())
                merged = dict(raw)
                for column in keep:
                    merged[column] = local[raw["id"]][column]
                local[raw["id"]] = merged
            for record_id in lists["deleted"]:
                local.pop(record_id, None)
                self.pending.pop((table, record_id), None)
        self.cursor = result.timestamp

    def push(self) -> None:
        if not self.pending:
            return
        changes: dict = {}
        for (table, record_id), columns in self.pending.items():
            row = {**self.rows[table][record_id], "_changed": ",".join(sorted(columns))}
            verb = "created" if (table, record_id) in self.created else "updated"
            changes.setdefault(table, {"created": [], "updated": [], "deleted": []})[verb].append(
                row)
        with db.session_scope() as s:
            result = push(s, self.actor, self.cursor, changes)
        with db.session_scope() as s:
            _nothing_silently_lost(s, self.actor, changes)
        rejected = {(t, i) for t, ids in result.body["experimentalRejectedIds"].items()
                    for i in ids}
        assert not rejected, result.body
        self.pending.clear()
        self.created.clear()

    def sync(self) -> None:
        self.pull()
        self.push()

    def edit(self, table: str, record_id: str, column: str, value) -> None:
        """Like WatermelonDB: a local write also sets updated_at from the device's clock."""
        row = self.rows[table][record_id]
        row[column] = value
        row["updated_at"] = self.now_hlc()
        self.pending.setdefault((table, record_id), set()).update({column, "updated_at"})


class Convergence(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.devices: list[SimDevice] = []

    @initialize(skews=st.lists(st.integers(-600_000, 600_000), min_size=3, max_size=3))
    def world(self, skews):
        with db.session_scope() as s:
            make = Factory(s)
            org = make.org()
            dispatcher = make.user(org, "dispatcher")
            tech = make.technician(org)
            tech_user = s.get(type(dispatcher), tech.user_id)
            wo = make.work_order(org, by=dispatcher, assignee_id=tech.id)
            self.wo_id = wo.id
            self.dispatcher = make.actor(dispatcher)
            self.devices = [SimDevice(make.actor(tech_user, tech, device_id=f"d{i}-{new_id()}"),
                                      skew) for i, skew in enumerate(skews)]
        for device in self.devices:
            device.pull()

    @rule(i=st.integers(0, 2), column=st.sampled_from(EDITABLE), text=WORDS)
    def device_edits_text(self, i, column, text):
        self.devices[i].edit("work_orders", self.wo_id, column, text)

    @rule(i=st.integers(0, 2), to=st.sampled_from(DEVICE_STATUSES), reason=st.booleans())
    def device_moves_status(self, i, to, reason):
        device = self.devices[i]
        device.edit("work_orders", self.wo_id, "status", to)
        if reason:
            device.edit("work_orders", self.wo_id, "status_reason", "offline reason")

    @rule(i=st.integers(0, 2), text=WORDS)
    def device_adds_a_note(self, i, text):
        device, note_id = self.devices[i], new_id()
        device.rows.setdefault("work_order_notes", {})[note_id] = {
            "id": note_id, "work_order_id": self.wo_id, "body": text, "author_id": None,
            "created_at": int(clock.now().timestamp() * 1000)}
        device.pending[("work_order_notes", note_id)] = {"body"}
        device.created.add(("work_order_notes", note_id))

    @rule(text=WORDS)
    def dispatcher_edits(self, text):
        try:
            with db.session_scope() as s:
                service.update(s, self.dispatcher, self.wo_id, {"description": text},
                               service.ANY_VERSION)
        except DomainError:
            pass  # a cancelled or closed work order is read-only

    @rule(to=st.sampled_from(("on_hold", "cancelled", "in_progress", "dispatched")))
    def dispatcher_moves_status(self, to):
        try:
            with db.session_scope() as s:
                service.transition(s, self.dispatcher, self.wo_id, to, reason="dispatcher")
        except DomainError:
            pass  # an illegal move for the current status: nothing happened

    @rule(i=st.integers(0, 2))
    def device_syncs(self, i):
        self.devices[i].sync()

    @precondition(lambda self: self.devices)
    @rule()
    def everyone_syncs_and_converges(self):
        for device in self.devices:
            device.sync()
        for device in self.devices:
            device.pull()
        with db.session_scope() as s:
            server = pull(s, self.devices[0].actor, 0).changes
        expected = {t: {r["id"]: r for r in lists["created"]} for t, lists in server.items()}
        for device in self.devices:
            assert {t: rows for t, rows in device.rows.items() if rows} == {
                t: rows for t, rows in expected.items() if rows}


def _nothing_silently_lost(session, actor, changes: dict) -> None:
    """Right after a push, every work-order value the device sent is either the server's value
    or kept in the conflict log: a later edit by someone else is not a loss, a dropped one is."""
    conflicts = session.scalars(select(SyncConflict).where(
        SyncConflict.org_id == actor.org_id)).all()
    for row in changes.get("work_orders", {}).get("updated", []):
        server = pull(session, actor, 0).changes["work_orders"]["created"]
        current = next(r for r in server if r["id"] == row["id"])
        kept = {(c.column, c.device_value) for c in conflicts if c.record_id == row["id"]}
        for column in row["_changed"].split(","):
            if column in ("description", "status", "resolution_notes"):
                assert current[column] == row[column] or (column, row[column]) in kept, (
                    column, row[column], current[column])


Convergence.TestCase.settings = settings(
    max_examples=15, stateful_step_count=12, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def test_devices_converge_and_nothing_is_silently_lost(connection):
    from hypothesis.stateful import run_state_machine_as_test
    run_state_machine_as_test(Convergence, settings=Convergence.TestCase.settings)
