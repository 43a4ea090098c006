"""A throw-away PostgreSQL cluster on a Unix socket, for the tests, CI and the benchmarks.

    python tests/pg_cluster.py start DIR [--durable]   # prints the server's URL
    python tests/pg_cluster.py stop DIR

The cluster lives in DIR (data, socket and log), listens on no TCP port, and lets the local
user `postgres` in without a password (trust: it is reachable only through the socket in
DIR). `initdb` refuses to run as root, so as root the server runs as the `postgres` user
(`runuser`) and DIR is handed to that user. Without `--durable`, fsync and synchronous commit
are off: fast for tests, and nothing in it is meant to survive a crash.

The binaries are found in `XYHC_PG_BINDIR` (only there, when it is set), else the newest
`/usr/lib/postgresql/*/bin` (Debian's `postgresql` package), else on PATH. `find_bindir()`
is None when there is none: the tests then skip the PostgreSQL half with that reason.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PORT = 5432  # names the socket file only: the socket folder is private to the cluster
SUPERUSER = "postgres"
BINDIR_ENV = "XYHC_PG_BINDIR"


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL is not installed.
    `XYHC_PG_BINDIR`, when set, is the only place looked at."""
    given = os.environ.get(BINDIR_ENV)
    if given:
        candidates = [Path(given)]
    else:
        candidates = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
            reverse=True,
        )
        on_path = shutil.which("initdb")
        if on_path:
            candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def missing_reason() -> str:
    return (
        "PostgreSQL 未安装（找不到 initdb/pg_ctl：apt-get install postgresql，"
        f"或设置 {BINDIR_ENV}），PostgreSQL 上的测试跳过"
    )


def url_for(base: Path, database: str = SUPERUSER, user: str = SUPERUSER) -> str:
    """The URL of `database` in the cluster at `base`, over its socket."""
    return f"postgresql://{user}@/{database}?host={base / 'sock'}&port={PORT}"


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", SUPERUSER, "--", *command]
    return command


def _hand_over(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, SUPERUSER, SUPERUSER)


def start(base: Path, *, durable: bool = False) -> str:
    """Create and start a cluster in `base` (a new or empty folder); returns its URL."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError(missing_reason())
    base = Path(base).absolute()
    base.mkdir(parents=True, exist_ok=True)
    data, sock, log = base / "data", base / "sock", base / "server.log"
    sock.mkdir(exist_ok=True)
    log.touch()
    for path in (base, sock, log):
        _hand_over(path)
    subprocess.run(
        _as_server_user(
            [
                str(bindir / "initdb"),
                "-D", str(data),
                "-A", "trust",
                "-U", SUPERUSER,
                "-E", "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )  # fmt: skip
    options = f"-p {PORT} -k {sock} -c listen_addresses='' -c max_connections=50"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    subprocess.run(
        _as_server_user(
            [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    return url_for(base)


def stop(base: Path, *, remove: bool = True) -> None:
    """Stop the cluster in `base` (fast shutdown) and remove the folder (unless `remove` is
    False: a server that went away, to be started again with `restart`)."""
    base = Path(base).absolute()
    bindir = find_bindir()
    if bindir is not None and (base / "data" / "postmaster.pid").exists():
        subprocess.run(
            _as_server_user(
                [str(bindir / "pg_ctl"), "-D", str(base / "data"), "-m", "fast", "-w", "stop"]
            ),
            check=False,
            capture_output=True,
        )
        for _ in range(50):
            if not (base / "data" / "postmaster.pid").exists():
                break
            time.sleep(0.1)
    if remove:
        shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--durable", action="store_true", help="fsync and synchronous commit on")
    args = parser.parse_args(argv)
    if args.action == "start":
        print(start(args.folder, durable=args.durable))
    else:
        stop(args.folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
