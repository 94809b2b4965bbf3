"""Merge rules, one by one."""

from __future__ import annotations

import pytest

from dispatch.hlc import Hlc
from sync import merge


def test_device_status_applies_when_server_did_not_move():
    d = merge.decide_status("in_progress", "completed", server_changed=False)
    assert d.apply and d.conflict is None


def test_dispatcher_cancellation_beats_technician_progress():
    d = merge.decide_status("cancelled", "in_progress", server_changed=True)
    assert not d.apply
    assert d.conflict.rule == "status_precedence" and d.conflict.winner == "server"
    assert d.conflict.device_value == "in_progress"


def test_offline_completion_beats_dispatcher_hold():
    d = merge.decide_status("on_hold", "completed", server_changed=True)
    assert d.apply and d.conflict.winner == "device" and d.conflict.server_value == "on_hold"


def test_path_replays_moves_the_device_made_offline():
    assert merge.status_path("assigned", "completed", "technician") == [
        "en_route", "in_progress", "completed"]
    assert merge.status_path("on_hold", "completed", "technician") == ["in_progress", "completed"]


def test_no_path_out_of_a_terminal_status():
    assert merge.status_path("cancelled", "in_progress", "technician") is None
    assert merge.status_path("closed", "completed", "technician") is None


def test_paths_never_pass_through_moves_that_need_a_reason():
    # in_progress -> on_hold needs a reason, so it cannot be invented on the device's behalf
    assert merge.status_path("in_progress", "on_hold", "technician") is None


@pytest.mark.parametrize(("device_hlc", "winner"), [
    (Hlc(2_000, 0, "phone"), "device"),
    (Hlc(1_000, 0, "phone"), "server"),
    (None, "server"),
])
def test_text_is_last_writer_wins_by_hlc(device_hlc, winner):
    d = merge.decide_text("description", "server text", "device text", concurrent=True,
                          server_hlc=Hlc(1_500, 0, "server"), device_hlc=device_hlc)
    assert d.conflict.winner == winner and d.apply == (winner == "device")
    assert {d.conflict.server_value, d.conflict.device_value} == {"server text", "device text"}


def test_text_without_concurrent_server_edit_just_applies():
    d = merge.decide_text("description", "a", "b", concurrent=False, server_hlc=None,
                          device_hlc=None)
    assert d.apply and d.conflict is None


def test_assignment_is_the_dispatchers():
    d = merge.decide_dispatcher_owned("assignee_id", "tech-a", "tech-b")
    assert not d.apply and d.conflict.rule == "dispatcher_owned"
    assert merge.decide_dispatcher_owned("assignee_id", "x", "x").conflict is None
