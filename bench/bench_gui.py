"""The window on a national-size list: cold start to a ready window, Enter to the painted result.

    .venv/bin/python bench/bench_gui.py [--db bench/data/bench_lists.db] [--starts 7]
        [--queries 100]

Uses the 10-million-listing `lists.db` that `bench/bench_lists.py` builds (from
`bench/make_big_list.py`'s file), shared by everyone who runs benchmarks: a scratch data
folder links to it and gets its own office.db with an administrator, and every context of
the benchmark's processes (the window's, its check thread's and workers', the cold starts')
opens the shared file read only, as `bench/bench_batch.py` does: it is never upgraded (a
lists.db of an older schema is refused), and an import's pending audit intent in it is not
carried into the scratch office (which would delete it from the shared file). Any write
to it fails loudly instead of changing it.

1. Cold start, each in a new process (QT_QPA_PLATFORM=offscreen unless a display is set),
   the same steps as `desktop_app.ui.app.main`: from launching the interpreter to the login
   dialog painted; then, after the password is accepted, to the main window painted (demo
   lists are not loaded: the big list is there). The password check (scrypt, deliberately
   ~0.25 s) is reported on its own and left out of "start to window".
2. Checks in the real window: the query is put in the search field, then the timer runs from
   the Enter key to the window repainted with the result (run on the check thread, stored as
   a check record with its audit entry, shown in banner, tables and measures). Kinds: listed
   resident IDs, unlisted resident IDs, listed persons' names (exact), the 20 most common
   names (hundreds of same-name listings, first 100 shown).

Results are printed and written to `bench/out/bench_gui.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "out"
PASSWORD = "bench-pass-1"

# The child: the start-up steps of `app.main`, with wall-clock marks printed as JSON (the
# shared lists.db opened read only, as in this process: `open_shared_lists_read_only`).
START = """
import json, sys, time
from pathlib import Path
marks = {}
sys.path.insert(0, "bench")
from bench_gui import open_shared_lists_read_only
open_shared_lists_read_only(Path(sys.argv[3]))
from PySide6.QtCore import QTimer
from desktop_app.ui import app as app_module
application = app_module.create_application([])
launcher = app_module.Launcher(application, sys.argv[1])
launcher.instance.acquire()
launcher.ctx.catalog
assert not launcher.needs_setup()
login = launcher.login_dialog("admin")
login.show()
login.repaint()
marks["login_painted"] = time.time()
login.password.setText(sys.argv[2])
started = time.perf_counter()
login.submit()
marks["password_check_s"] = time.perf_counter() - started
marks["after_login"] = time.time()
window = launcher.open_window(login.user, "柳州市", "市市场监管局")
window.repaint()
marks["window_painted"] = time.time()
QTimer.singleShot(0, application.quit)
application.exec()
marks["event_loop_ran"] = time.time()
print(json.dumps(marks))
window.close()
launcher.close()
"""


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(values),
        "median": round(statistics.median(values), 1),
        "p95": round(p95, 1),
        "max": round(max(values), 1),
    }


def open_shared_lists_read_only(shared: Path) -> None:
    """Make every `AppContext` of this process whose data folder's lists.db is `shared`
    open it read only: no schema upgrade, no pending import intent carried (see the module
    doc). Other data folders open their lists.db as the program does."""
    from desktop_app.context import AppContext
    from desktop_app.models import db
    from desktop_app.models.lists_store import ListStore

    shared = shared.resolve()
    as_the_program_does = AppContext.lists

    def lists(ctx: AppContext) -> Any:
        if (ctx.data_dir / "lists.db").resolve() != shared:
            return as_the_program_does.fget(ctx)  # type: ignore[attr-defined]
        return ctx.cached("lists", lambda: ListStore(db.connect(shared, readonly=True)))

    AppContext.lists = property(lists)  # type: ignore[method-assign,assignment]


def prepare(db: Path, scratch: Path) -> Path:
    """A data folder whose lists.db is the big one, with an administrator in office.db."""
    from desktop_app.context import AppContext
    from desktop_app.services import admin

    data_dir = scratch / "data"
    data_dir.mkdir()
    (data_dir / "lists.db").symlink_to(db.resolve())
    ctx = AppContext(data_dir)
    try:
        admin.first_start(
            ctx,
            jurisdiction="柳州市",
            department="市市场监管局",
            admin_name="admin",
            password=PASSWORD,
        )
    finally:
        ctx.close()
    return data_dir


def cold_starts(data_dir: Path, db: Path, runs: int, env: dict[str, str]) -> dict[str, Any]:
    to_login, login_to_window, to_window, scrypt = [], [], [], []
    for _ in range(runs + 1):
        launched = time.time()
        done = subprocess.run(
            [sys.executable, "-c", START, str(data_dir), PASSWORD, str(db)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=300,
        )
        if done.returncode != 0:
            raise SystemExit(f"start failed:\n{done.stderr}")
        marks = json.loads(done.stdout.strip().splitlines()[-1])
        to_login.append((marks["login_painted"] - launched) * 1000)
        login_to_window.append((marks["window_painted"] - marks["after_login"]) * 1000)
        scrypt.append(marks["password_check_s"] * 1000)
        to_window.append((marks["window_painted"] - launched - marks["password_check_s"]) * 1000)
    # The first run reads the files from disk; the others find them in the page cache.
    return {
        "first_start_to_window_ms": round(to_window[0], 1),
        "start_to_login_dialog_ms": stats(to_login[1:]),
        "login_to_main_window_ms": stats(login_to_window[1:]),
        "start_to_window_without_password_check_ms": stats(to_window[1:]),
        "password_check_ms": stats(scrypt[1:]),
    }


def sample_queries(db: Path, count: int, seed: int) -> dict[str, list[str]]:
    """Listed IDs and names picked at random rows, unlisted valid IDs, the commonest names."""
    from stdnum.cn import ric

    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    top = conn.execute("SELECT max(id) FROM listings").fetchone()[0]

    def sample(where: str, column: str) -> list[str]:
        found: list[str] = []
        while len(found) < count:
            ids = [rng.randrange(1, top + 1) for _ in range(count * 4)]
            marks = ",".join("?" for _ in ids)
            query = f"SELECT {column} FROM listings WHERE id IN ({marks}) AND {where}"
            found += [row[0] for row in conn.execute(query, ids)]
        return found[:count]

    unlisted = []
    for _ in range(count):
        body = f"450102{rng.randrange(1950, 2000)}{rng.randrange(1, 13):02d}"
        body += f"{rng.randrange(1, 29):02d}{rng.randrange(0, 1000):03d}"
        unlisted.append(body + ric.calc_check_digit(body + "0"))
    common = [
        row[0]
        for row in conn.execute(
            "SELECT min(name) FROM listings WHERE subject_type = 'person' GROUP BY name_norm"
            " ORDER BY count(*) DESC LIMIT 20"
        )
    ]
    queries = {
        "resident_id_listed": sample("id_kind = 'resident_id'", "id_value"),
        "resident_id_not_listed": unlisted,
        "name_exact_person": sample("subject_type = 'person'", "name"),
        "name_most_common_20": (common * (count // 20 + 1))[:count],
    }
    conn.close()
    return queries


def window_checks(data_dir: Path, queries: dict[str, list[str]]) -> dict[str, Any]:
    """Enter → the window repainted with the stored result, in the real window."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest

    from desktop_app.services import accounts
    from desktop_app.ui import app as app_module

    application = app_module.create_application([])
    launcher = app_module.Launcher(application, data_dir)
    launcher.instance.acquire()
    user = accounts.authenticate(launcher.ctx, "admin", PASSWORD)
    window = launcher.open_window(user, "柳州市", "市市场监管局")
    window.resize(1366, 768)
    window.activateWindow()
    view = window.check_view
    loop = QEventLoop()
    view.record_changed.connect(lambda _: loop.quit())
    results: dict[str, Any] = {}
    try:
        for kind, items in queries.items():
            timings, statuses, hits = [], {}, []
            for query in items:
                view.search.setText(query)
                started = time.perf_counter()
                QTest.keyClick(view.search, Qt.Key.Key_Return)
                QTimer.singleShot(60000, loop.quit)
                loop.exec()
                # Layout passes queued by the new result (row heights, spans) run first.
                application.processEvents()
                window.repaint()
                timings.append((time.perf_counter() - started) * 1000)
                record = view.record
                statuses[record["status"]] = statuses.get(record["status"], 0) + 1
                hits.append(record["hit_count"])
            results[kind] = {
                **stats(timings),
                "statuses": statuses,
                "max_hit_count": max(hits),
            }
    finally:
        window.close()
        launcher.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DATA / "bench_lists.db")
    parser.add_argument("--starts", type=int, default=7)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not args.db.is_file():
        raise SystemExit(f"{args.db} is missing: build it with bench/bench_lists.py first.")
    sys.path.insert(0, str(ROOT))
    from desktop_app.models.lists_store import needs_upgrade

    if needs_upgrade(args.db):
        raise SystemExit(
            f"{args.db} has an older schema: this benchmark opens it read only and does not"
            " upgrade it. Upgrade a copy (open it once with the program) and pass that."
        )
    if not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    scratch = Path(tempfile.mkdtemp(prefix="xyhc-bench-gui-"))
    for name, value in (
        ("XYHC_SECRET_DIR", scratch / "secrets"),
        ("XYHC_CONFIG", scratch / "machine.toml"),
        ("XYHC_SETTINGS", scratch / "settings.toml"),
    ):
        os.environ[name] = str(value)
    open_shared_lists_read_only(args.db)
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    listings = conn.execute("SELECT count(*) FROM listings").fetchone()[0]
    conn.close()
    data_dir = prepare(args.db, scratch)
    results: dict[str, Any] = {
        "machine": (
            f"{os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}"
        ),
        "platform": os.environ.get("QT_QPA_PLATFORM", "xcb"),
        "listings": listings,
        "load_before": list(os.getloadavg()),
    }
    results["cold_start"] = cold_starts(data_dir, args.db, args.starts, dict(os.environ))
    results["checks_enter_to_painted_ms"] = window_checks(
        data_dir, sample_queries(args.db, args.queries, args.seed)
    )
    results["load_after"] = list(os.getloadavg())
    shutil.rmtree(scratch)  # the link only: the big lists.db stays
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_gui.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
