"""A throwaway PostgreSQL server for the tests (``tests/pgserver.py``) and the benchmarks.

Plain code, no pytest: ``benchmarks/bench_ledger.py`` starts its server with it too.
``initdb`` and ``pg_ctl`` refuse to run as root, so as root the server runs as the
``postgres`` user and its temporary folder is given to that user. Trust authentication,
``fsync`` on (the ledger's durability is what is tested), a unix socket in the folder and
a free TCP port on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

BINARIES = ("initdb", "pg_ctl", "postgres")
SUPERUSER = "postgres"


class NoPostgres(RuntimeError):
    """The PostgreSQL server binaries are not on this machine."""


def find_bindir() -> Path:
    """The folder with initdb, pg_ctl and postgres: $PG_BINDIR, /usr/local/bin, PATH, or the
    newest /usr/lib/postgresql/*/bin."""
    candidates = [os.environ.get("PG_BINDIR", ""), "/usr/local/bin"]
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(str(Path(found).parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit()
                         else 0, reverse=True)
    for folder in candidates:
        if folder and all(os.access(Path(folder) / b, os.X_OK) for b in BINARIES):
            return Path(folder)
    raise NoPostgres(
        "the PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found in "
        "$PG_BINDIR, /usr/local/bin, PATH or /usr/lib/postgresql/*/bin; install PostgreSQL "
        "15 (Debian/Ubuntu: apt-get install postgresql-15) or set PG_BINDIR")


def scratch() -> str | None:
    """Where the data folder goes: $BC_PG_TMP, else /dev/shm when there is one, else the
    system temp folder.

    Why memory: fsync stays on, so every commit is written through the WAL before it is
    acknowledged, which is what a server crash-restart test can check (a power cut cannot
    be tested here); on this machine's disk each fsync cost tens of milliseconds and made
    the PostgreSQL tests five times slower. The benchmark passes a folder on disk."""
    chosen = os.environ.get("BC_PG_TMP")
    if chosen:
        return chosen
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Cluster:
    """One server: ``start()``, ``dsn(db)``, ``restart()``, ``stop()`` (removes it all)."""

    bindir: Path = field(default_factory=find_bindir)
    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bcpg-",
                                                                     dir=scratch())))
    fsync: bool = True
    log: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def sockets(self) -> Path:
        return self.root / "s"

    def _user(self) -> str | None:
        """Run the server binaries as ``postgres`` when we are root (initdb refuses root)."""
        if os.geteuid() != 0:
            return None
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            raise NoPostgres("running as root, and there is no 'postgres' user to run the "
                             "server as (initdb refuses root); create one with useradd "
                             "--system postgres, or run the tests as another user") from None
        return SUPERUSER

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        user = self._user()
        proc = subprocess.run([str(self.bindir / args[0]), *args[1:]], user=user,
                              capture_output=True, text=True, timeout=120,
                              cwd=self.root, env={**os.environ, "LC_ALL": "C"})
        self.log.append(f"$ {' '.join(args)}\n{proc.stdout}{proc.stderr}")
        if check and proc.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({proc.returncode}):\n{proc.stdout}"
                               f"{proc.stderr}\n{self.server_log()}")
        return proc

    def server_log(self) -> str:
        try:
            return (self.root / "server.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def start(self) -> Cluster:
        self.sockets.mkdir(exist_ok=True)
        user = self._user()
        if user is not None:
            pw = pwd.getpwnam(user)
            for path in (self.root, self.sockets):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
                      "-E", "UTF8", "--locale=C", "--no-sync")
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.write(f"\nfsync = {'on' if self.fsync else 'off'}\n"
                           "synchronous_commit = on\nmax_connections = 100\n"
                           "shared_buffers = 32MB\nlog_min_messages = warning\n")
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
                  "-w", "-t", "60", "-o",
                  f"-p {self.port} -h 127.0.0.1 -k {self.sockets}", "start")

    def restart(self, mode: str = "immediate") -> None:
        """Stop (``immediate``: like a crash, no checkpoint, every session cut) and start
        again; committed work must survive it."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self._pg_ctl_start()

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop",
                      check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def sql(self, statement: str, dbname: str = "postgres") -> None:
        """Run one statement as the superuser, in autocommit (CREATE DATABASE needs it)."""
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.dsn(dbname), autocommit=True) as conn:
                    conn.execute(statement.encode())
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


@contextlib.contextmanager
def running(fsync: bool = True) -> Iterator[Cluster]:
    cluster = Cluster(fsync=fsync).start()
    try:
        yield cluster
    finally:
        cluster.stop()
