"""The real WatermelonDB client (@nozbe/watermelondb, LokiJS in memory, plain Node) against the
real server over HTTP: first sync, offline edits pushed on the next sync, then a pull-only sync
that must leave the phone equal to the server.

The Node side is tests/e2e/sync_client.js; `./dev test` installs Node and its packages
(`npm ci` in tests/e2e) before running the suite.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from dispatch import db
from dispatch.ids import new_id
from dispatch.models import Asset, User, WorkOrder, WorkOrderEvent, WorkOrderNote
from tests.factories import PASSWORD, Factory

pytestmark = pytest.mark.committing

E2E_DIR = Path(__file__).resolve().parent
SCRIPT = E2E_DIR / "sync_client.js"
PACKAGE = "@nozbe/watermelondb"
NODE_TIMEOUT_S = 180
PAGE_SIZE = 2  # small pages: the real client must follow next_page on every pull
HOW_TO_INSTALL = ("run `./dev test` (it installs nodejs/npm and runs `npm ci` in tests/e2e), "
                  "or `cd tests/e2e && npm ci` by hand")


def _node() -> str:
    """Node and the locked packages, or a failure that says how to get them (never a skip:
    the test command installs them, so their absence is a broken setup, not an option)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"node is not installed: {HOW_TO_INSTALL}", pytrace=False)
    installed = E2E_DIR / "node_modules" / PACKAGE / "package.json"
    if not installed.exists():
        pytest.fail(f"tests/e2e/node_modules is missing {PACKAGE}: {HOW_TO_INSTALL}",
                    pytrace=False)
    locked = json.loads((E2E_DIR / "package-lock.json").read_text())
    want = locked["packages"][f"node_modules/{PACKAGE}"]["version"]
    have = json.loads(installed.read_text())["version"]
    if have != want:
        pytest.fail(f"tests/e2e/node_modules has {PACKAGE} {have}, package-lock.json pins {want}: "
                    f"{HOW_TO_INSTALL}", pytrace=False)
    return node


@pytest.fixture
def node() -> str:
    return _node()


@pytest.fixture
def world(committing_db):
    """Committed: an organisation, a dispatcher, a technician with one assigned work order at a
    site with two assets (plus a dispatcher's note on it), and another technician's work."""
    with db.session_scope() as s:
        make = Factory(s)
        org = make.org()
        dispatcher = make.user(org, "dispatcher")
        tech = make.technician(org)
        other = make.technician(org)
        site = make.site(org, name="Cold store")
        asset = make.asset(site, name="Chiller 1")
        make.asset(site, name="Chiller 2")
        wo = make.work_order(org, site=site, by=dispatcher, asset_id=asset.id,
                             assignee_id=tech.id, description="Not cooling below 8 °C")
        elsewhere = make.work_order(org, site=make.site(org, name="Elsewhere"), by=dispatcher,
                                    assignee_id=other.id)
        s.add(WorkOrderNote(id=new_id(), org_id=org.id, work_order_id=wo.id,
                            author_id=dispatcher.id, body="Ask for the key at reception"))
        s.flush()
        assert wo.status == "assigned"
        tech_user = s.get(User, tech.user_id)
        ns = SimpleNamespace(
            tech_email=tech_user.email, tech_user_id=tech_user.id, wo_id=wo.id,
            wo_number=wo.number, site_id=site.id, other_wo_id=elsewhere.id,
            asset_ids=set(s.scalars(select(Asset.id).where(Asset.site_id == site.id))))
    return ns


@pytest.fixture
def server(world, fresh_database_url, settings):
    """The real app on a free loopback port, serving the committed database."""
    from api import create_app
    app = create_app(dataclasses.replace(settings, database_url=fresh_database_url))
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="e2e-server", daemon=True)
    quiet = logging.getLogger("werkzeug")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
        quiet.setLevel(level)


def run_client(node: str, base_url: str, email: str, scenario: str, **options) -> dict:
    argv = [node, str(SCRIPT), "--base-url", base_url, "--email", email,
            "--password", PASSWORD, "--scenario", scenario]
    for key, value in options.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    try:
        done = subprocess.run(argv, cwd=E2E_DIR, capture_output=True, text=True,
                              timeout=NODE_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr or ""
        pytest.fail(f"the WatermelonDB client did not finish in {NODE_TIMEOUT_S}s:\n{stderr}")
    try:
        summary = json.loads(done.stdout)
    except ValueError:
        pytest.fail(f"the client printed no JSON summary (exit {done.returncode}):\n"
                    f"stdout: {done.stdout[-3000:]}\nstderr: {done.stderr[-3000:]}")
    print(done.stdout)  # shown by pytest when the test fails
    print(done.stderr)
    # WatermelonDB's own logged errors (summary["client_errors"]) are checked by the test: the
    # client carries on after them, so everything else can still be verified first.
    assert not summary["error"] and not summary["protocol_errors"] \
        and done.returncode == (1 if summary["client_errors"] else 0), (
            f"the WatermelonDB client failed (exit {done.returncode}):\n"
            f"error: {summary['error']}\nclient_errors: {summary['client_errors']}\n"
            f"protocol_errors: {summary['protocol_errors']}\nstderr: {done.stderr[-3000:]}")
    return summary


def server_pull(base_url: str, email: str) -> dict[str, dict[str, dict]]:
    """A fresh first sync straight over HTTP (another device): what the server holds."""
    def call(method, path, body=None, token=None):
        req = urllib.request.Request(base_url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(req, timeout=30) as response:
            return json.loads(response.read())

    token = call("POST", "/api/v1/auth/login",
                 {"email": email, "password": PASSWORD, "device_id": "e2e-oracle"})["access_token"]
    rows: dict[str, dict[str, dict]] = {}
    page = None
    while True:
        query = {"last_pulled_at": "null", "schema_version": "1", "migration": "null"}
        if page:
            query["page"] = page
        body = call("GET", f"/api/v1/sync/pull?{urllib.parse.urlencode(query)}", token=token)
        for table, lists in body["changes"].items():
            into = rows.setdefault(table, {})
            for row in lists["created"] + lists["updated"]:
                into[row["id"]] = row
            assert not lists["deleted"], (table, lists["deleted"])
        page = body.get("next_page")
        if not page:
            return rows


def test_the_real_watermelondb_client_syncs_offline_work(node, world, server):
    started = time.monotonic()
    out = run_client(node, server, world.tech_email, "offline-edit", page_size=PAGE_SIZE,
                     work_order=world.wo_id, device_id="e2e-phone")
    first, second, third = out["syncs"]

    # First sync: the technician's work order, its site, the site's assets, the note; no more.
    assert [w["id"] for w in out["work_orders"]] == [world.wo_id]
    assert out["work_orders"][0]["status"] == "assigned"
    assert out["work_orders"][0]["number"] == world.wo_number
    assert first["pulled"]["work_orders"] == {"created": 1, "updated": 0, "deleted": 0}
    assert first["pulled"]["sites"] == {"created": 1, "updated": 0, "deleted": 0}
    assert first["pulled"]["assets"]["created"] == len(world.asset_ids) == 2
    assert first["local_counts"]["sites"] == 1 and first["local_counts"]["assets"] == 2
    assert first["local_counts"]["work_order_notes"] == 1
    assert first["pages"] > 1, "small pages: the first pull must have spanned several"
    assert not first["pushed"] and not first["unsynced_after"]

    # Offline: WatermelonDB tracked exactly what the technician changed.
    assert out["offline"]["unsynced"]
    assert {"status", "resolution_notes"} <= set(out["offline"]["work_order_changed"].split(","))

    # Second sync pushed the note and the completion; nothing was refused, all is synced.
    assert second["pushed"]["work_order_notes"]["created"] == 1
    assert second["pushed"]["work_orders"]["updated"] == 1
    assert not second["rejected"] and not second["unsynced_after"]
    outcomes = second["push_responses"][0]["outcomes"]
    assert outcomes["work_orders"][world.wo_id]["status"] == "applied", outcomes

    with db.session_scope() as s:
        wo = s.get(WorkOrder, world.wo_id)
        assert wo.status == "completed"
        assert wo.resolution_notes == out["offline"]["resolution_notes"]
        note = s.get(WorkOrderNote, out["offline"]["note_id"])
        assert note is not None and note.body == out["offline"]["note_body"]
        assert note.author_id == world.tech_user_id
        moves = s.execute(select(WorkOrderEvent.new_value, WorkOrderEvent.actor_id,
                                 WorkOrderEvent.device_id)
                          .where(WorkOrderEvent.work_order_id == world.wo_id,
                                 WorkOrderEvent.kind == "status_changed")
                          .order_by(WorkOrderEvent.at, WorkOrderEvent.id)).all()
    assert [m.new_value for m in moves][-3:] == ["en_route", "in_progress", "completed"]
    assert {(m.actor_id, m.device_id) for m in moves[-3:]} == {(world.tech_user_id, "e2e-phone")}

    # Third sync (nothing left to push) brings back what the server made of the push.
    assert not third["pushed"] and not third["unsynced_after"]
    assert third["timestamp"] >= second["timestamp"] >= first["timestamp"] > 0
    assert out["final_status"] == "completed"
    assert not out["not_synced"]

    # ... and the phone now equals the server, field for field.
    server_rows = server_pull(server, world.tech_email)
    for table, records in out["local"].items():
        local = {r["id"]: r for r in records}
        remote = server_rows.get(table, {})
        assert local.keys() == remote.keys(), table
        for record_id, row in local.items():
            assert row == remote[record_id], (table, record_id)
    assert world.other_wo_id not in {r["id"] for r in out["local"]["work_orders"]}

    # A second phone of the same technician, syncing for the first time, ends up the same.
    tablet = run_client(node, server, world.tech_email, "pull", page_size=PAGE_SIZE,
                        device_id="e2e-tablet")
    assert not tablet["client_errors"], tablet["client_errors"]
    assert tablet["local"] == out["local"]
    assert time.monotonic() - started < NODE_TIMEOUT_S

    # WatermelonDB logged no protocol violation (it recovers from them, so this comes last):
    # in particular a record this device pushed must come back as `updated`, not `created`.
    assert not out["client_errors"], out["client_errors"]
