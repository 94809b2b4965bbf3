"""The `fieldwork` command line: serve, worker, scheduler, db, seed, bench, and the all-in-one
`up` / `test` used by the README.

Commands that need PostgreSQL/Redis read DATABASE_URL/REDIS_URL; `up` and `test` start embedded
servers out of ./var when those are not set (see api/devstack.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import click

from dispatch.settings import ConfigError, Settings


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """Fieldwork: work orders for field service."""
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn processes")
@click.option("--dev", is_flag=True, help="Flask's single-process development server")
def serve(host: str, port: int, workers: int, dev: bool) -> None:
    """Serve the HTTP API (gunicorn)."""
    settings = _settings()
    if dev:
        from api import create_app
        create_app(settings).run(host=host, port=port)
        return
    from api.gunicorn_app import run_gunicorn
    run_gunicorn(host=host, port=port, workers=workers)


@main.command()
@click.option("--burst", is_flag=True, help="Exit when the queue is empty")
def worker(burst: bool) -> None:
    """Run an RQ worker (with RQ's delayed-job scheduler)."""
    from dispatch import worker as worker_mod
    # Imported and warmed once in the worker parent, not in every forked work horse.
    worker_mod.run(_settings(), burst=burst, preload_modules=("media.jobs",))


@main.command()
def scheduler() -> None:
    """Run the periodic-job scheduler (RQ cron)."""
    from dispatch import schedule
    schedule.run(_settings())


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations (creates the PostGIS extension)."""
    from dispatch import migrate
    migrate.upgrade(_settings().database_url, revision)
    click.echo(f"database at {revision}")


@main.command()
@click.option("--demo", is_flag=True, required=True, help="Load the demo organisation")
@click.option("--reset", is_flag=True, help="Delete an existing demo organisation first")
def seed(demo: bool, reset: bool) -> None:
    """Load deterministic, realistic demo data and print the logins."""
    from dispatch import db as dbm
    from dispatch.seed import demo as demo_seed
    settings = _settings()
    dbm.configure(settings.database_url)
    summary = demo_seed.run(reset=reset, progress=True)
    click.echo(demo_seed.describe(summary))


@main.group()
def stock() -> None:
    """Spare parts stock."""


@stock.command("check")
@click.option("--repair", is_flag=True, help="Rewrite differing balances from the ledger")
def stock_check(repair: bool) -> None:
    """Rebuild stock balances from the ledger and report summary rows that differ."""
    from dispatch import db as dbm
    from dispatch.inventory import checks
    dbm.configure(_settings().database_url)
    with dbm.session_scope() as session:
        differences = checks.check_all(session, repair=repair)
    for d in differences:
        click.echo(f"{d.org_id} part {d.part_id} at {d.location_id}: ledger on hand "
                   f"{d.ledger_on_hand} reserved {d.ledger_reserved}, summary "
                   f"{d.summary_on_hand} / {d.summary_reserved}")
    verb = "repaired" if repair else "found"
    click.echo(f"{len(differences)} difference(s) {verb}")
    if differences and not repair:
        raise SystemExit(1)


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the benchmarks")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(name: str | None, list_: bool, args: tuple[str, ...]) -> None:
    """Run a benchmark from bench/ (ends with one JSON line of figures)."""
    import bench as bench_pkg
    if list_ or not name:
        for entry, doc in bench_pkg.available().items():
            click.echo(f"{entry:24} {doc}")
        return
    sys.exit(bench_pkg.run(name, list(args)))


# -- the all-in-one stack: `up`, `test`, `services` ---------------------------------------------
# PostgreSQL and Redis come from DATABASE_URL / REDIS_URL when set, otherwise from api/devstack.py.

TEST_DATABASE = "fieldwork_test"
TEST_REDIS_DB = 1  # keeps test keys away from a running `up` on the same Redis (db 0)


def _step(message: str) -> None:
    click.secho(f"==> {message}", bold=True, err=True)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    # The default SIGTERM action skips `finally`; exiting through SystemExit stops our servers.
    raise SystemExit(128 + signum)


def _ensure_services(mode: str):
    from api import devstack
    external = [name for name in ("DATABASE_URL", "REDIS_URL") if os.environ.get(name)]
    if external:
        _step(f"using {' and '.join(external)} from the environment")
    try:
        return devstack.ensure_services(mode, postgres="DATABASE_URL" not in external,
                                        redis="REDIS_URL" not in external)
    except devstack.DevstackError as exc:
        raise click.ClickException(str(exc)) from None


def _redis_db(url: str, db: int) -> str:
    from urllib.parse import urlsplit, urlunsplit
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-seed", is_flag=True, help="Do not load the demo organisation")
def up(host: str, port: int, no_seed: bool) -> None:
    """Run the whole product (API, worker, scheduler) with demo data until Ctrl-C."""
    from api import devstack
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if _port_taken(host, port):
        raise click.ClickException(f"port {port} is already in use: pass --port to pick another")
    services = _ensure_services("up")
    try:
        if services.admin_url:
            os.environ["DATABASE_URL"] = services.database_url(devstack.APP_DATABASE)
        if services.redis_url:
            os.environ["REDIS_URL"] = services.redis_url
        # Children resolve ./var from their own cwd; pin it to the folder devstack uses.
        os.environ.setdefault("FIELDWORK_DATA_DIR", str(devstack.data_dir()))
        _share_jwt_secret(devstack.data_dir())
        _prepare_database(_settings(), seed=not no_seed)
        code = _supervise(host, port, services, seeded=not no_seed)
    finally:
        devstack.release_services(services)
    sys.exit(code)


def _port_taken(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _share_jwt_secret(var: Path) -> None:
    """Every gunicorn worker and the RQ worker must sign and verify with the same secret; a
    per-process random one would reject tokens issued by a sibling worker. Kept in var/ so
    tokens also survive a restart of `up`."""
    if os.environ.get("JWT_SECRET"):
        return
    path = var / "jwt_secret"
    secret = path.read_text().strip() if path.exists() else ""
    if not secret:
        secret = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secret + "\n")
    path.chmod(0o600)
    os.environ["JWT_SECRET"] = secret


def _prepare_database(settings: Settings, *, seed: bool) -> None:
    from dispatch import migrate
    _step("applying migrations")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # start-up noise
    migrate.upgrade(settings.database_url)
    if not seed:
        return
    from dispatch import db as dbm
    _step("loading demo data (skipped when already present)")
    from dispatch.seed import demo as demo_seed
    dbm.configure(settings.database_url)
    try:
        click.echo(demo_seed.describe(demo_seed.run(reset=False, progress=True)))
    finally:
        dbm.engine().dispose()  # the children open their own connections


def _die_with_parent():
    """A preexec hook: if `up` is killed outright, the kernel still sends each child SIGTERM."""
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux
        return None
    return lambda: prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _spawn(args: list[str]) -> subprocess.Popen:
    # Own process group: a terminal Ctrl-C reaches only `up`, which then stops the children in
    # order (gunicorn and RQ shut down gracefully on SIGTERM) instead of all at once.
    return subprocess.Popen([sys.executable, "-m", "api.cli", *args], stdin=subprocess.DEVNULL,
                            process_group=0, preexec_fn=_die_with_parent())


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except urllib.error.HTTPError:
        return True  # any HTTP answer means gunicorn is serving
    except (OSError, ValueError):
        return False
    return True


def _supervise(host: str, port: int, services, *, seeded: bool) -> int:
    """Run web, worker and scheduler until a signal or until one of them dies."""
    signals: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, _frame: signals.append(signum))
    children = {name: _spawn(args) for name, args in (
        ("web", ["serve", "--host", host, "--port", str(port)]),
        ("worker", ["worker"]),
        ("scheduler", ["scheduler"]),
    )}
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
    announce_by = time.monotonic() + 90
    failed = None
    while not signals and failed is None:
        failed = next((name for name, child in children.items() if child.poll() is not None),
                      None)
        if announce_by and failed is None and (_answers(f"{base}/healthz")
                                               or time.monotonic() > announce_by):
            click.echo(_banner(base, services, seeded=seeded,
                               healthy=time.monotonic() <= announce_by))
            announce_by = 0
        time.sleep(0.3)
    if failed:
        click.secho(f"==> {failed} exited with code {children[failed].returncode}; "
                    "stopping everything", fg="red", err=True)
    _stop_children(children, signals)
    return 1 if failed else 0


def _stop_children(children: dict[str, subprocess.Popen], signals: list[int]) -> None:
    _step("stopping web, worker and scheduler (Ctrl-C again to kill)")
    seen = len(signals)
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 25  # gunicorn's graceful_timeout is 20 s
    while any(child.poll() is None for child in children.values()):
        if time.monotonic() > deadline or len(signals) > seen:
            break
        time.sleep(0.2)
    for child in children.values():
        # The whole group: also reaches gunicorn workers or an RQ work horse left behind.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def _banner(base: str, services, *, seeded: bool, healthy: bool) -> str:
    from api import devstack
    lines = ["", click.style("Fieldwork is running", bold=True),
             f"  API          {base}/api/v1",
             f"  API docs     {base}/api/docs   (OpenAPI: {base}/api/openapi.json)",
             f"  health       {base}/healthz   readiness: {base}/readyz",
             f"  map console  {base}/console"]
    if not healthy:
        lines.append(click.style("  (the API is not answering /healthz yet: see the log above)",
                                 fg="yellow"))
    if services.admin_url:
        lines.append(f"  PostgreSQL   {services.database_url(devstack.APP_DATABASE)}")
    if services.redis_url:
        lines.append(f"  Redis        {services.redis_url}")
    if seeded:
        lines += ["", "Demo logins (password: fieldwork)",
                  "  admin@demo.test  dispatcher@demo.test  planner@demo.test  requester@demo.test",
                  "  tech1@demo.test ... tech50@demo.test"]
    lines += ["", "Ctrl-C stops everything.", ""]
    return "\n".join(lines)


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def test(pytest_args: tuple[str, ...]) -> None:
    """Check import contracts, lint, and run the test suite (extra arguments go to pytest)."""
    import psycopg
    import redis

    from api import devstack
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    services = _ensure_services("test")
    try:
        admin = services.admin_url or devstack.with_database(os.environ["DATABASE_URL"],
                                                             "postgres")
        redis_url = _redis_db(services.redis_url or os.environ["REDIS_URL"], TEST_REDIS_DB)
        _step(f"fresh database {TEST_DATABASE}, empty Redis db {TEST_REDIS_DB}")
        try:
            devstack.create_database(admin, TEST_DATABASE, fresh=True)
            with redis.Redis.from_url(redis_url) as client:
                client.flushdb()
        except (psycopg.Error, redis.RedisError) as exc:
            raise click.ClickException(f"cannot prepare the test servers: {exc}") from None
        os.environ.update(DATABASE_URL=devstack.with_database(admin, TEST_DATABASE),
                          REDIS_URL=redis_url, FIELDWORK_ADMIN_DATABASE_URL=admin)
        os.environ.setdefault("FIELDWORK_ENV", "test")
        code = _run_checks(list(pytest_args), devstack.PROJECT_ROOT)
    finally:
        devstack.release_services(services)
    sys.exit(code)


def _run_checks(pytest_args: list[str], root: Path) -> int:
    """Run every check (one run shows all problems); the first failure decides the exit code."""
    bindir = Path(sys.executable).parent
    steps = [
        ("import contracts: lint-imports", [str(bindir / "lint-imports")]),
        ("lint: ruff check .", [str(bindir / "ruff"), "check", "."]),
        (" ".join(["tests: pytest", *pytest_args]), [sys.executable, "-m", "pytest", *pytest_args]),
    ]
    interrupted: list[int] = []
    # A Python handler (not SIG_IGN, which exec would inherit): Ctrl-C reaches pytest, which
    # reports what it has, and we stop after it instead of dying mid-way.
    signal.signal(signal.SIGINT, lambda signum, _frame: interrupted.append(signum))
    results: list[tuple[str, int]] = []
    for title, argv in steps:
        _step(title)
        results.append((title, subprocess.call(argv, cwd=root)))
        if interrupted:
            break
    click.echo("", err=True)
    for title, code in results:
        verdict = click.style("ok", fg="green") if code == 0 else click.style(
            f"FAILED (exit {code}{', no tests collected' if code == 5 else ''})", fg="red")
        click.echo(f"  {title.split(':')[0]:18} {verdict}", err=True)
    # pytest's 5 (nothing collected) is a failure too: an empty run proves nothing.
    return next((code for _, code in results if code != 0), 130 if interrupted else 0)


@main.group()
def services() -> None:
    """The embedded PostgreSQL and Redis that `up` and `test` use (data in ./var)."""


@services.command("start")
@click.option("--mode", type=click.Choice(["up", "test"]), default="up", show_default=True,
              help="test: fsync off, fast but not crash-safe")
def services_start(mode: str) -> None:
    """Start them and leave them running (until `fieldwork services stop`)."""
    from api import devstack
    try:
        started = devstack.ensure_services(mode)
    except devstack.DevstackError as exc:
        raise click.ClickException(str(exc)) from None
    devstack.keep_running()
    devstack.create_database(started.admin_url, devstack.APP_DATABASE)  # also in test mode
    click.echo(f"DATABASE_URL={started.database_url(devstack.APP_DATABASE)}")
    click.echo(f"REDIS_URL={started.redis_url}")


@services.command("stop")
def services_stop() -> None:
    """Stop them (even if `up` is using them)."""
    from api import devstack
    stopped = devstack.stop_services()
    click.echo(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


@services.command("status")
def services_status() -> None:
    """Show whether they run, where, and their URLs."""
    from api import devstack
    for name, info in devstack.status().items():
        state = click.style("running", fg="green") if info["running"] else "stopped"
        click.echo(f"{name:9} {state:8} {info['url'] or ''}")
        click.echo(f"{'':9} data {info['data']}  log {info['log']}")


if __name__ == "__main__":  # pragma: no cover
    main()
