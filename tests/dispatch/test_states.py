"""The lifecycle state machine: table-driven rules plus a Hypothesis state machine."""

from __future__ import annotations

from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from dispatch import states
from dispatch.models import ROLES


def test_happy_path_is_allowed_for_the_assigned_technician():
    path = ["assigned", "dispatched", "en_route", "in_progress", "completed"]
    current = "new"
    for target in path:
        role = "dispatcher" if target in ("assigned", "dispatched") else "technician"
        d = states.check(current, target, role=role, is_assignee=True, has_assignee=True)
        assert d.allowed, (current, target, d.message)
        current = target
    assert states.check("completed", "closed", role="dispatcher", has_assignee=True)


def test_technician_cannot_move_someone_elses_work():
    d = states.check("dispatched", "en_route", role="technician", is_assignee=False,
                     has_assignee=True)
    assert not d and d.code == "forbidden"


def test_terminal_statuses_have_no_way_out():
    for terminal in states.TERMINAL:
        assert states.allowed_targets(terminal) == []


def test_cancellation_needs_a_reason():
    d = states.check("new", "cancelled", role="dispatcher")
    assert d.code == "reason_required" and d.field == "reason"
    assert states.check("new", "cancelled", role="dispatcher", reason="duplicate request")


def test_completion_requirement_blocks_until_fact_is_true():
    kw = dict(role="technician", is_assignee=True, has_assignee=True,
              requirements={"resolution_notes": True})
    blocked = states.check("in_progress", "completed", facts={}, **kw)
    assert blocked.code == "completion_requirement" and blocked.field == "resolution_notes"
    assert states.check("in_progress", "completed", facts={"has_resolution_notes": True}, **kw)


def test_unknown_status_names_the_field():
    d = states.check("new", "teleported", role="admin")
    assert d.code == "unknown_status" and d.field == "to"


def test_illegal_transition_message_lists_allowed_moves():
    d = states.check("new", "completed", role="admin")
    assert d.code == "illegal_transition"
    for target in states.allowed_targets("new"):
        assert target in d.message


class Lifecycle(RuleBasedStateMachine):
    """Random actors push one work order around; the machine's promises must always hold."""

    def __init__(self):
        super().__init__()
        self.status = "new"
        self.has_assignee = False
        self.notes = False
        self.history = ["new"]

    @rule(to=st.sampled_from(states.STATUSES), role=st.sampled_from(ROLES),
          is_assignee=st.booleans(), reason=st.sampled_from([None, "", "because"]),
          requires_notes=st.booleans())
    def attempt(self, to, role, is_assignee, reason, requires_notes):
        target = to
        before = self.status
        d = states.check(before, target, role=role, is_assignee=is_assignee,
                         has_assignee=self.has_assignee, reason=reason,
                         requirements={"resolution_notes": requires_notes},
                         facts={"has_resolution_notes": self.notes})
        if not d:
            assert d.code and d.message
            return
        # Every allowed move is an edge of the published graph, made by a permitted role.
        assert target in states.allowed_targets(before, role)
        assert before not in states.TERMINAL
        if role == "technician":
            assert is_assignee
        if (before, target) in states.REASON_REQUIRED:
            assert reason and reason.strip()
        if target == "completed" and requires_notes:
            assert self.notes
        if target in states.NEEDS_ASSIGNEE:
            assert self.has_assignee
        self.status = target
        self.history.append(target)

    @rule()
    def assign(self):
        self.has_assignee = True

    @rule()
    def unassign(self):
        if self.status in ("new", "cancelled", "closed"):
            self.has_assignee = False

    @rule()
    def write_notes(self):
        self.notes = True

    @invariant()
    def status_is_known(self):
        assert self.status in states.STATUSES

    @invariant()
    def terminal_is_final(self):
        for i, s in enumerate(self.history):
            if s in states.TERMINAL:
                assert i == len(self.history) - 1


Lifecycle.TestCase.settings = hsettings(max_examples=200, stateful_step_count=40,
                                        deadline=None)
test_lifecycle_state_machine = Lifecycle.TestCase
