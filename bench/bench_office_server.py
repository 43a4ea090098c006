"""Check + store throughput with several concurrent writers: office.db (SQLite) next to an
office database on a local PostgreSQL server.

    .venv/bin/python bench/bench_office_server.py [--writers 1,4] [--checks 500]

For each engine and each number of writers W, W processes on this PC check subjects
(`run_check` against the bundled demo lists, every fifth one listed, the others valid IDs on
no list) and store each check as a record (`records.record_check`: number, record, audit
entry, one transaction), `--checks` each, all starting together. The PostgreSQL server is a
throw-away cluster (tests/pg_cluster.py) with its durable defaults (fsync and synchronous
commit on; office.db runs WAL with synchronous=NORMAL, as the program sets it), reached over
its Unix socket. Prints JSON: checks per second over all writers, the per-check latency
(check + store, and the store alone) at the median and the 95th percentile, and the time of
one round trip to the server (`SELECT 1`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import pg_cluster  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from desktop_app.context import AppContext  # noqa: E402
from desktop_app.models.users_store import User  # noqa: E402
from desktop_app.services import accounts, records  # noqa: E402
from desktop_app.services.lists.demo_lists import ensure_demo_lists  # noqa: E402
from desktop_app.services.screening.check import run_check  # noqa: E402

JURISDICTION, DEPARTMENT = "柳州市", "市市场监督管理局"
LISTED_ID = "450202198501019919"  # 韦小宝 of the demo lists


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def queries(count: int, seed: int) -> list[str]:
    """Every fifth query listed, the others valid resident IDs on no list."""
    out = []
    for index in range(count):
        if index % 5 == 0:
            out.append(LISTED_ID)
        else:
            born = f"{1960 + (seed * 7 + index) % 40}{index % 12 + 1:02d}{index % 28 + 1:02d}"
            body = f"450202{born}{(seed * 131 + index) % 900 + 100:03d}"
            out.append(body + ric.calc_check_digit(body + "0"))
    return out


def round_trip_ms(url: str, count: int = 500) -> float:
    """The median time of `SELECT 1` on the server (one round trip over its socket)."""
    from desktop_app.models import db

    conn = db.connect_server(url)
    times = []
    for _ in range(count):
        began = time.perf_counter()
        conn.execute("SELECT 1").fetchone()
        times.append((time.perf_counter() - began) * 1000)
    conn.close()
    return round(statistics.median(times), 3)


def worker(data_dir: Path, clerk: dict, count: int, seed: int, go: Path) -> None:
    ctx = AppContext(data_dir)
    user = User(**clerk)
    warm = run_check(ctx.catalog, ctx.lists, LISTED_ID, JURISDICTION, DEPARTMENT)
    records.record_check(ctx, user, warm)  # connections and caches warm, not timed
    planned = queries(count, seed)
    while not go.exists():
        time.sleep(0.005)
    total_ms, store_ms = [], []
    start = time.time()
    for query in planned:
        began = time.perf_counter()
        result = run_check(ctx.catalog, ctx.lists, query, JURISDICTION, DEPARTMENT)
        stored = time.perf_counter()
        records.record_check(ctx, user, result)
        ended = time.perf_counter()
        total_ms.append((ended - began) * 1000)
        store_ms.append((ended - stored) * 1000)
    end = time.time()
    ctx.close()
    print(json.dumps({"start": start, "end": end, "total_ms": total_ms, "store_ms": store_ms}))


def prepare(data_dir: Path) -> dict:
    """The demo lists and a clerk in `data_dir` (the office database as configured)."""
    ctx = AppContext(data_dir)
    ensure_demo_lists(ctx)
    admin = accounts.init_admin(
        ctx, "admin", "bench-pass-1", jurisdiction=JURISDICTION, department=DEPARTMENT
    )
    clerk = accounts.add_user(
        ctx, admin, "clerk", "bench-pass-1", role="clerk", department=DEPARTMENT
    )
    ctx.close()
    return clerk.to_dict()


def run(data_dir: Path, clerk: dict, writers: int, checks: int) -> dict:
    go = data_dir.parent / f"go-{writers}"
    go.unlink(missing_ok=True)
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", str(data_dir), json.dumps(clerk),
             str(checks), str(seed), str(go)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for seed in range(writers)
    ]  # fmt: skip
    time.sleep(3 + writers)  # every worker imported, opened and warmed up
    go.touch()
    results = [json.loads(p.communicate()[0]) for p in processes]
    elapsed = max(r["end"] for r in results) - min(r["start"] for r in results)
    total = [ms for r in results for ms in r["total_ms"]]
    store = [ms for r in results for ms in r["store_ms"]]
    return {
        "writers": writers,
        "checks": len(total),
        "seconds": round(elapsed, 2),
        "checks_per_s": round(len(total) / elapsed, 1),
        "check_and_store_ms": {
            "p50": round(statistics.median(total), 2),
            "p95": round(percentile(total, 0.95), 2),
        },
        "store_ms": {
            "p50": round(statistics.median(store), 2),
            "p95": round(percentile(store, 0.95), 2),
        },
    }


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        data_dir, clerk, count, seed, go = sys.argv[2:7]
        worker(Path(data_dir), json.loads(clerk), int(count), int(seed), Path(go))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", default="1,4", help="comma-separated writer counts")
    parser.add_argument("--checks", type=int, default=500, help="checks per writer")
    args = parser.parse_args()
    counts = [int(n) for n in args.writers.split(",")]
    if pg_cluster.find_bindir() is None:
        sys.exit(pg_cluster.missing_reason())
    base = ROOT / "bench" / "data" / "office_server"
    shutil.rmtree(base, ignore_errors=True)
    scratch = Path(tempfile.mkdtemp(prefix="xyhc-bench-"))
    os.environ["XYHC_SECRET_DIR"] = str(scratch / "secrets")
    os.environ["XYHC_SETTINGS"] = str(scratch / "settings.toml")
    cluster = Path(tempfile.mkdtemp(prefix="xyhc-pg-"))
    url = ""
    report: dict = {"load_before": os.getloadavg()[0]}
    try:
        for engine in ("sqlite", "postgresql", "postgresql_no_fsync"):
            config = scratch / f"{engine}.toml"
            config.write_text("", encoding="utf-8")
            if engine.startswith("postgresql"):
                # Durable as a real server; then, for reference only, without fsync and
                # synchronous commit (what the flush to disk costs).
                pg_cluster.stop(cluster)
                url = pg_cluster.start(cluster, durable=engine == "postgresql")
                config.write_text(f"database_url = {json.dumps(url)}\n", encoding="utf-8")
                report[f"{engine}_round_trip_ms"] = round_trip_ms(url)
            os.environ["XYHC_CONFIG"] = str(config)
            report[engine] = []
            for writers in counts:
                data_dir = base / f"{engine}-{writers}" / "data"
                if engine.startswith("postgresql"):
                    # A fresh office database for each run, as office.db is for SQLite.
                    import psycopg

                    from desktop_app.models.office_db import OfficeDatabase

                    with psycopg.connect(url, autocommit=True) as admin:
                        admin.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
                    OfficeDatabase.connect(url, migrate=True).close()
                clerk = prepare(data_dir)
                report[engine].append(run(data_dir, clerk, writers, args.checks))
                print(json.dumps({engine: report[engine][-1]}), file=sys.stderr)
    finally:
        pg_cluster.stop(cluster)
        shutil.rmtree(scratch, ignore_errors=True)
    report["load_after"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
