"""Embedded PostgreSQL + PostGIS and Redis for `fieldwork up`, `fieldwork test` and
`fieldwork services`.

Both servers run out of the project data folder (./var, or FIELDWORK_DATA_DIR) on their own ports
(55432 and 56379, or FIELDWORK_PG_PORT / FIELDWORK_REDIS_PORT), so they never collide with a system
PostgreSQL or Redis and each checkout carries its own state. Only 127.0.0.1 is listened on and
PostgreSQL trusts local connections: this is a development stack, never a deployment.

`initdb` refuses to run as root, so as root the cluster belongs to an unprivileged system user
`fieldwork` and every PostgreSQL binary runs through `runuser`. If that user cannot reach ./var
(a checkout under /root, mode 700), the cluster lives under /var/lib/fieldwork/<hash>/pg instead
and ./var/pg.location remembers where.

Several commands may share the servers (`up` in one terminal, `test` in another). Each caller holds
a lease (var/devstack/leases/<pid>); a server is stopped by `release_services` only when the last
live lease goes, and only if some lease holder started it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis as redislib
from psycopg import sql

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OS_USER = "fieldwork"  # owns the cluster when we are root
PG_SUPERUSER = "fieldwork"  # the cluster's superuser role (trust auth, no password)
APP_DATABASE = "fieldwork"
DEFAULT_PG_PORT = 55432
DEFAULT_REDIS_PORT = 56379
_SOCKET_PATH_MAX = 107  # sun_path limit; beyond it PostgreSQL cannot create its socket


class DevstackError(RuntimeError):
    """The embedded services cannot be provided; the message says what to do."""


@dataclass(frozen=True)
class Services:
    """Where the servers are. A field is None when the caller did not ask for that server."""

    admin_url: str | None  # postgresql://fieldwork@127.0.0.1:55432/postgres
    redis_url: str | None  # redis://127.0.0.1:56379/0
    started: frozenset[str]  # {"postgres", "redis"}: what this call had to start

    def database_url(self, name: str) -> str:
        if self.admin_url is None:
            raise DevstackError("no embedded PostgreSQL in this stack")
        return with_database(self.admin_url, name)


def _say(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


# -- locations ---------------------------------------------------------------------------------

def data_dir() -> Path:
    raw = os.environ.get("FIELDWORK_DATA_DIR")
    return Path(raw).resolve() if raw else PROJECT_ROOT / "var"


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError:
        raise DevstackError(f"{name} must be a port number, got {raw!r}") from None


def _mkdir(path: Path, mode: int = 0o755) -> Path:
    """mkdir -p, with an explicit mode so a restrictive umask cannot lock the cluster user out."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir()
        directory.chmod(mode)
    return missing[0] if missing else path


@dataclass(frozen=True)
class _PgLayout:
    base: Path  # base/data is the cluster, base/run the socket dir, base/postgres.log the log
    run_as: str | None  # OS user for initdb/pg_ctl; None runs them as ourselves

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log(self) -> Path:
        return self.base / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        return self.base / "run"


def _pg_layout() -> _PgLayout:
    var = _mkdir(data_dir())
    if os.geteuid() != 0:
        return _PgLayout(var / "pg", None)
    _ensure_os_user()
    marker = var / "pg.location"
    if marker.exists():
        return _PgLayout(Path(marker.read_text().strip()), OS_USER)
    if (var / "pg" / "data").exists() or _user_can_enter(var):
        return _PgLayout(var / "pg", OS_USER)
    # Hash the data folder (not just the checkout) so two data folders never share a cluster.
    digest = hashlib.sha1(str(var).encode()).hexdigest()[:12]
    base = Path("/var/lib/fieldwork") / digest / "pg"
    _say(f"{var} is not reachable by user {OS_USER}; the cluster lives in {base}")
    marker.write_text(f"{base}\n")
    return _PgLayout(base, OS_USER)


def _ensure_os_user() -> None:
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        _say(f"creating system user {OS_USER} (PostgreSQL will not run as root)")
        subprocess.run(["useradd", "--system", "--user-group", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", OS_USER], check=True)


def _user_can_enter(path: Path) -> bool:
    probe = ["runuser", "-u", OS_USER, "--", "test", "-x", str(path)]
    return subprocess.run(probe, cwd="/").returncode == 0


# -- PostgreSQL --------------------------------------------------------------------------------

def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in name.split(".") if p.isdigit())


def pg_bindir() -> Path:
    """The newest installed server (Debian keeps one per major in /usr/lib/postgresql/N/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                   key=lambda p: _version_key(p.parent.parent.name))
    if found:
        return found[-1].parent
    if pg_config := shutil.which("pg_config"):
        bindir = Path(subprocess.check_output([pg_config, "--bindir"], text=True).strip())
        if (bindir / "pg_ctl").exists():
            return bindir
    raise DevstackError("PostgreSQL server binaries not found: install `postgresql` "
                        "(./dev does that) or set DATABASE_URL to an existing server")


def _warn_without_postgis(bindir: Path) -> None:
    try:
        share = subprocess.check_output([str(bindir / "pg_config"), "--sharedir"], text=True)
    except (OSError, subprocess.CalledProcessError):
        return
    if not (Path(share.strip()) / "extension" / "postgis.control").exists():
        major = bindir.parent.name
        _say(f"warning: PostGIS is not installed for PostgreSQL {major}; migrations will fail "
             f"(apt-get install postgresql-{major}-postgis-3)")


def _pg(layout: _PgLayout, argv: list[str]) -> subprocess.CompletedProcess[str]:
    if layout.run_as:
        argv = ["runuser", "-u", layout.run_as, "--", *argv]
    # cwd inside the cluster's base: the cluster user may not be allowed into our cwd.
    return subprocess.run(argv, cwd=layout.base, text=True, capture_output=True,
                          stdin=subprocess.DEVNULL)


def _initdb(layout: _PgLayout, bindir: Path) -> None:
    _mkdir(layout.base)
    if layout.run_as:
        shutil.chown(layout.base, layout.run_as, layout.run_as)
    _say(f"creating PostgreSQL cluster in {layout.data}")
    result = None
    for locale in ("C.UTF-8", "C"):  # C.UTF-8 is missing on some minimal images
        shutil.rmtree(layout.data, ignore_errors=True)  # only ever a half-made cluster here
        result = _pg(layout, [str(bindir / "initdb"), "-D", str(layout.data), "-U", PG_SUPERUSER,
                              "--auth=trust", "-E", "UTF8", f"--locale={locale}"])
        if result.returncode == 0:
            return
        if "locale" not in (result.stdout + result.stderr).lower():
            break
    raise DevstackError(f"initdb failed:\n{result.stdout}{result.stderr}")


def _pg_running_port(layout: _PgLayout) -> int | None:
    """The port our own cluster listens on, or None when it is not running."""
    pidfile = layout.data / "postmaster.pid"
    try:
        lines = pidfile.read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    if _cmdline_has(pid, str(layout.data)):
        return port
    # Stale: after a reboot or a container restart the old PID may belong to anything, and
    # PostgreSQL would refuse to start while the file names a live process.
    _say(f"removing stale {pidfile}")
    pidfile.unlink(missing_ok=True)
    return None


def _pg_options(layout: _PgLayout, port: int, mode: str) -> str:
    socket_dir = str(layout.socket_dir)
    if len(socket_dir) + len(f"/.s.PGSQL.{port}") > _SOCKET_PATH_MAX:
        socket_dir = ""  # TCP only; everything we run connects to 127.0.0.1 anyway
    settings = ["listen_addresses=127.0.0.1", "shared_buffers=256MB", "max_connections=200",
                "work_mem=16MB"]
    if mode == "test":
        # Throw-away data: durability only costs time.
        settings += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
    argv = ["-p", str(port), "-k", socket_dir]
    for setting in settings:
        argv += ["-c", setting]
    return shlex.join(argv)  # pg_ctl hands -o to a shell


def _start_postgres(mode: str) -> tuple[int, bool]:
    """Start (or find running) our cluster; returns (port, started_now)."""
    bindir = pg_bindir()
    layout = _pg_layout()
    running = _pg_running_port(layout)
    if running is not None:
        return running, False
    port = _port("FIELDWORK_PG_PORT", DEFAULT_PG_PORT)
    if _port_in_use(port):
        raise DevstackError(f"port {port} is taken by another program, not this project's "
                            f"PostgreSQL: set FIELDWORK_PG_PORT to a free port")
    _warn_without_postgis(bindir)
    if not (layout.data / "PG_VERSION").exists():
        _initdb(layout, bindir)
    _mkdir(layout.socket_dir)
    if layout.run_as:
        shutil.chown(layout.socket_dir, layout.run_as, layout.run_as)
    _say(f"starting PostgreSQL {bindir.parent.name} on 127.0.0.1:{port} ({mode} settings)")
    result = _pg(layout, [str(bindir / "pg_ctl"), "start", "-w", "-t", "60", "-D",
                          str(layout.data), "-l", str(layout.log),
                          "-o", _pg_options(layout, port, mode)])
    if result.returncode != 0:
        raise DevstackError(f"PostgreSQL did not start:\n{result.stdout}{result.stderr}"
                            f"{_tail(layout.log)}")
    return port, True


def _stop_postgres() -> bool:
    bindir = pg_bindir()
    layout = _pg_layout()
    if _pg_running_port(layout) is None:
        return False
    _say("stopping PostgreSQL")
    result = _pg(layout, [str(bindir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D",
                          str(layout.data)])
    if result.returncode != 0:
        raise DevstackError(f"PostgreSQL did not stop:\n{result.stdout}{result.stderr}")
    return True


def _libpq(url: str) -> str:
    """psycopg wants plain postgresql://; SQLAlchemy spells it postgresql+psycopg://."""
    scheme, rest = url.split("://", 1)
    return f"postgresql://{rest}" if scheme.startswith("postgres") else url


def with_database(url: str, name: str) -> str:
    """The same server (and credentials, query options) with another database."""
    parts = urlsplit(_libpq(url))
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def create_database(admin_url: str, name: str, *, fresh: bool = False) -> None:
    """Create `name` if missing; with fresh=True drop it first, disconnecting its users."""
    ident = sql.Identifier(name)
    with psycopg.connect(_libpq(admin_url), autocommit=True, connect_timeout=10) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # a racing creator
                conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))


# -- Redis -------------------------------------------------------------------------------------

def _redis_dir() -> Path:
    return data_dir() / "redis"


def _redis_owner(port: int) -> str:
    """'ours', 'free', or 'foreign' for whatever answers on 127.0.0.1:port."""
    client = redislib.Redis(host="127.0.0.1", port=port, socket_timeout=2, socket_connect_timeout=2)
    try:
        served_dir = client.config_get("dir").get("dir", "")
    except redislib.ConnectionError:
        return "foreign" if _port_in_use(port) else "free"
    except redislib.RedisError:  # CONFIG disabled or auth required: certainly not ours
        return "foreign"
    finally:
        client.close()
    return "ours" if os.path.realpath(served_dir) == str(_redis_dir().resolve()) else "foreign"


def _redis_port_from_pidfile() -> int | None:
    """The port our Redis was started on, if its pidfile names a live redis-server."""
    pid = _read_pid(_redis_dir() / "redis.pid")
    try:
        port = int((_redis_dir() / "port").read_text())
    except (OSError, ValueError):
        return None
    return port if pid and _cmdline_has(pid, "redis-server") else None


def _start_redis() -> tuple[int, bool]:
    running = _redis_port_from_pidfile()
    if running is not None and _redis_owner(running) == "ours":
        return running, False
    port = _port("FIELDWORK_REDIS_PORT", DEFAULT_REDIS_PORT)
    owner = _redis_owner(port)
    if owner == "ours":
        return port, False
    if owner == "foreign":
        raise DevstackError(f"port {port} is taken by another program, not this project's Redis: "
                            f"set FIELDWORK_REDIS_PORT to a free port")
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    rdir = _mkdir(_redis_dir())
    _say(f"starting Redis on 127.0.0.1:{port}")
    subprocess.run([server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(rdir),
                    "--daemonize", "yes", "--pidfile", str(rdir / "redis.pid"),
                    "--logfile", str(rdir / "redis.log"), "--save", "", "--appendonly", "yes"],
                   check=True, stdin=subprocess.DEVNULL)
    (rdir / "port").write_text(str(port))
    client = redislib.Redis(host="127.0.0.1", port=port, socket_timeout=1)
    deadline = time.monotonic() + 15
    while True:
        try:
            client.ping()
            return port, True
        except redislib.ConnectionError:
            if time.monotonic() > deadline:
                raise DevstackError(
                    f"Redis did not answer PING{_tail(rdir / 'redis.log')}") from None
            time.sleep(0.1)


def _stop_redis() -> bool:
    port = _redis_port_from_pidfile()
    if port is None or _redis_owner(port) != "ours":
        return False
    pid = _read_pid(_redis_dir() / "redis.pid")
    _say("stopping Redis")
    with contextlib.suppress(redislib.RedisError):  # the server hangs up as it goes
        redislib.Redis(host="127.0.0.1", port=port, socket_timeout=5).shutdown(nosave=True)
    deadline = time.monotonic() + 15
    while pid and _cmdline_has(pid, "redis-server"):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.1)
    return True


# -- process helpers ---------------------------------------------------------------------------

def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _cmdline_has(pid: int, needle: str) -> bool:
    """Is `pid` a live process whose command line mentions `needle`? Guards against PID reuse:
    a pidfile from before a reboot may name an unrelated process."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, UnicodeDecodeError):
        return False
    return needle in cmdline


def _tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return f"\n--- last lines of {path} ---\n" + "\n".join(text)


# -- leases: who is using the servers ----------------------------------------------------------

def _state_dir() -> Path:
    return _mkdir(data_dir() / "devstack")


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Serialise start/stop between concurrent `fieldwork` commands on one data folder."""
    with open(_state_dir() / "lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _live_leases() -> list[int]:
    leases = _mkdir(_state_dir() / "leases")
    live = []
    for entry in leases.iterdir():
        if entry.name.isdigit() and _alive(int(entry.name)):
            live.append(int(entry.name))
        else:
            entry.unlink(missing_ok=True)  # its holder died without releasing
    return live


def _autostop_file() -> Path:
    return _state_dir() / "autostop.json"


def _read_autostop() -> set[str]:
    with contextlib.suppress(OSError, ValueError):
        return set(json.loads(_autostop_file().read_text()))
    return set()


def _write_autostop(names: set[str]) -> None:
    _autostop_file().write_text(json.dumps(sorted(names)))


# -- public API --------------------------------------------------------------------------------

def ensure_services(mode: str = "up", *, postgres: bool = True, redis: bool = True) -> Services:
    """Start what is not running (idempotent) and take a lease; pair with `release_services`.

    mode "up" keeps PostgreSQL durable and creates the `fieldwork` database; mode "test" turns off
    fsync for speed. A cluster already running keeps the settings it was started with.
    """
    if mode not in ("up", "test"):
        raise ValueError(f"mode must be 'up' or 'test', not {mode!r}")
    started: set[str] = set()
    admin_url = redis_url = None
    with _locked():
        try:
            if postgres:
                pg_port, fresh = _start_postgres(mode)
                started |= {"postgres"} if fresh else set()
                admin_url = f"postgresql://{PG_SUPERUSER}@127.0.0.1:{pg_port}/postgres"
                if mode == "up":
                    create_database(admin_url, APP_DATABASE)
            if redis:
                redis_port, fresh = _start_redis()
                started |= {"redis"} if fresh else set()
                redis_url = f"redis://127.0.0.1:{redis_port}/0"
        except BaseException:
            # Half a stack helps no one; what we just started has no other user yet (we hold
            # the lock), so take it down again.
            if "postgres" in started:
                _stop_postgres()
            if "redis" in started:
                _stop_redis()
            raise
        (_mkdir(_state_dir() / "leases") / str(os.getpid())).touch()
    return Services(admin_url=admin_url, redis_url=redis_url, started=frozenset(started))


def release_services(services: Services) -> None:
    """Drop our lease; stop what a lease holder started once no one else is using it."""
    with _locked():
        (_state_dir() / "leases" / str(os.getpid())).unlink(missing_ok=True)
        to_stop = _read_autostop() | set(services.started)
        if _live_leases():
            _write_autostop(to_stop)  # hand the duty to whoever is still running
            return
        _write_autostop(set())
        if "postgres" in to_stop:
            _stop_postgres()
        if "redis" in to_stop:
            _stop_redis()


def keep_running() -> None:
    """Started by hand (`fieldwork services start`): no command stops them on exit."""
    with _locked():
        _write_autostop(set())
        (_state_dir() / "leases" / str(os.getpid())).unlink(missing_ok=True)


def stop_services() -> list[str]:
    """Stop both servers unconditionally; returns the names of those that were running."""
    with _locked():
        _write_autostop(set())
        stopped = [name for name, stop in (("postgres", _stop_postgres), ("redis", _stop_redis))
                   if stop()]
    return stopped


def status() -> dict[str, dict[str, object]]:
    layout = _pg_layout()
    pg_port = _pg_running_port(layout)
    redis_port = _redis_port_from_pidfile()
    return {
        "postgres": {"running": pg_port is not None, "port": pg_port,
                     "url": pg_port and f"postgresql://{PG_SUPERUSER}@127.0.0.1:{pg_port}/"
                                        f"{APP_DATABASE}",
                     "data": str(layout.data), "log": str(layout.log)},
        "redis": {"running": redis_port is not None, "port": redis_port,
                  "url": redis_port and f"redis://127.0.0.1:{redis_port}/0",
                  "data": str(_redis_dir()), "log": str(_redis_dir() / "redis.log")},
    }
