"""What a change of the check costs: the same queries through two checkouts, CPU and wall
time per check, for a machine too loaded for wall-clock times alone.

    .venv/bin/python bench/bench_check_cost.py --a ROOT_A DB_A --b ROOT_B DB_B [--queries 200]

Each side runs in a child process whose `sys.path` starts with its checkout (`ROOT/desktop_app`
is imported) and opens its own lists.db, built from the same file by that checkout
(`bench/bench_lists.py`). The queries are drawn once, from side A's database, with a fixed
seed: exact person and organisation names, names with one character of their core changed
to a homophone or dropped (`bench_lists.typo`), listed resident IDs, and listed resident
IDs with their name. Side B is checked with exactly the same queries. Prints JSON: per
kind, CPU ms per check (mean) and wall-clock p50/p95 ms, for A and B, and the load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()


def draw_queries(root: Path, db: Path, count: int, seed: int) -> dict[str, list[list[Any]]]:
    sys.path.insert(0, str(root / "bench"))
    sys.path.insert(0, str(root))
    import bench_lists

    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    top = conn.execute("SELECT max(id) FROM listings").fetchone()[0]

    def sample(where: str, columns: str) -> list[list[Any]]:
        ids = ",".join(str(rng.randrange(1, top + 1)) for _ in range(count * 6))
        rows = conn.execute(f"SELECT {columns} FROM listings WHERE id IN ({ids}) AND {where}")
        return [list(row) for row in rows][:count]

    homophones = bench_lists.homophone_table()
    names = sample("1 = 1", "name")
    typos = [[t, None] for (n,) in names if (t := bench_lists.typo(n, rng, homophones))]
    return {
        "name_exact_person": [[n, None] for (n,) in sample("subject_type = 'person'", "name")],
        "name_exact_organization": [
            [n, None] for (n,) in sample("subject_type = 'organization'", "name")
        ],
        "name_fuzzy": typos[:count],
        "resident_id_listed": [[i, None] for (i,) in sample("id_kind = 'resident_id'", "id_value")],
        "resident_id_with_name": sample("id_kind = 'resident_id'", "id_value, name"),
    }


def child(root: Path, db: Path, queries_path: Path) -> None:
    sys.path.insert(0, str(root))
    from desktop_app import paths
    from desktop_app.models import db as sqlite_db
    from desktop_app.models.catalog import Catalog
    from desktop_app.models.lists_store import ListStore
    from desktop_app.services.screening.check import run_check

    queries = json.loads(queries_path.read_text(encoding="utf-8"))
    # Read only: the benchmark's lists.db may be shared (never migrated or written here).
    store = ListStore(sqlite_db.connect(db, readonly=True))
    catalog = Catalog.open(paths.catalog_path())
    run_check(catalog, store, "张伟", "柳州市", "市财政局")  # first-use costs out of the way
    result: dict[str, Any] = {}
    for kind, items in queries.items():
        walls = []
        cpu_started = time.process_time()
        for query, name in items:
            started = time.perf_counter()
            run_check(catalog, store, query, "柳州市", "市财政局", name=name)
            walls.append((time.perf_counter() - started) * 1000)
        cpu = (time.process_time() - cpu_started) * 1000 / max(len(items), 1)
        walls.sort()
        result[kind] = {
            "n": len(items),
            "cpu_ms_mean": round(cpu, 2),
            "p50_ms": round(statistics.median(walls), 2),
            "p95_ms": round(walls[int(len(walls) * 0.95) - 1], 2),
        }
    print(json.dumps(result))


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        child(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", nargs=2, type=Path, metavar=("ROOT", "DB"), required=True)
    parser.add_argument("--b", nargs=2, type=Path, metavar=("ROOT", "DB"), required=True)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    queries = draw_queries(args.a[0], args.a[1], args.queries, args.seed)
    queries_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"check_cost_{os.getpid()}.json"
    queries_path.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    out: dict[str, Any] = {"load_before": [round(x, 2) for x in os.getloadavg()]}
    try:
        for side, (root, db) in (("a", args.a), ("b", args.b)):
            done = subprocess.run(
                [sys.executable, str(HERE), "--child", str(root), str(db), str(queries_path)],
                capture_output=True,
                text=True,
                check=True,
            )
            out[side] = {"root": str(root), **json.loads(done.stdout.strip().splitlines()[-1])}
    finally:
        queries_path.unlink(missing_ok=True)
    out["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
