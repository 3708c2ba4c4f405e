"""A real PostgreSQL server for the tests, started on loopback in a temporary folder.

Uses Debian's server binaries (``/usr/lib/postgresql/<version>/bin``), which ``make test``
installs (``make sysdeps``) when it runs as root. PostgreSQL refuses to run as root, so as
root the cluster belongs to the ``postgres`` system user that Debian's package creates.
The password lives only in the environment of the tests (``PGPASSWORD``), never in a URL
that is logged.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

INSTALL_HINT = "install PostgreSQL's server once with: sudo apt-get install -y postgresql"


def _bindir() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).resolve().parent
    raise RuntimeError(f"no PostgreSQL server binaries found; {INSTALL_HINT}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """Start ``initdb`` + ``pg_ctl start`` on 127.0.0.1; ``stop()`` removes everything."""

    user = "workbench"
    password = "wb-test-secret"
    database = "workbench"

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.port = _free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix="wb-pg-"))
        self.data = self.tmp / "data"
        self._as = []
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError(f"no 'postgres' system user; {INSTALL_HINT}") from exc
            os.chown(self.tmp, pw.pw_uid, pw.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, text=True)

    def start(self) -> PostgresServer:
        pwfile = self.tmp / "pw"
        pwfile.write_text(self.password)
        if self._as:
            shutil.chown(pwfile, "postgres")
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        )
        pwfile.unlink()
        opts = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.tmp} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            opts,
            "-l",
            str(self.tmp / "log"),
            "-w",
            "start",
        )
        self._wait()
        env = {**os.environ, "PGPASSWORD": self.password}
        subprocess.run(
            [
                str(self.bindir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                self.database,
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        return self

    def _wait(self, timeout: float = 30) -> None:
        t0 = time.time()
        while time.time() - t0 < timeout:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"PostgreSQL did not start on port {self.port}")

    @property
    def url(self) -> str:
        """URL without the password: libpq takes it from PGPASSWORD or a .pgpass file."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
