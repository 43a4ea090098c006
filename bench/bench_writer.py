"""The floor of a list import: storing rows that are already built, nothing else.

Usage: .venv/bin/python bench/bench_writer.py [--db bench/data/bench_lists_1m.db] [--rows N]

Reads `--rows` listings (the columns an import provides, `lists_store.ROW_COLUMNS`) and the
fuzzy-index rows of their name cores from a lists.db that `bench_lists.py` built, holds them
in memory, then times only `ListStore.importing` on a new database: the bulk load's
`executemany` in batches of 1,000 (as the importer sends them), rebuilding the indexes, and
the commit. No file is read, no identifier or name is looked at: whatever an import does on
top of this, it cannot go faster than this.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop_app.models.lists_store import ROW_COLUMNS, ListStore  # noqa: E402

BATCH = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "data" / "bench_lists_1m.db")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    source = sqlite3.connect(args.db)
    columns = ", ".join(ROW_COLUMNS)
    rows = source.execute(f"SELECT {columns} FROM listings ORDER BY id LIMIT ?", (args.rows,))
    rows = rows.fetchall()
    cores = {r[3] or r[2] for r in rows}
    fuzzy = [
        (key, core)
        for key, core in source.execute("SELECT fuzzy_key, name_core FROM fuzzy_keys")
        if core in cores
    ]
    source.close()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "data") as folder:
        store = ListStore.open(Path(folder) / "lists.db")
        started, cpu = time.perf_counter(), time.process_time()
        with store.importing(
            list_name="writer", category="失信被执行人", file_name="-", field_names=[]
        ) as session:
            session.start(len(rows), datetime.date.today().isoformat())
            inserted = time.perf_counter()
            for i in range(0, len(rows), BATCH):
                share = slice(i * len(fuzzy) // len(rows), (i + BATCH) * len(fuzzy) // len(rows))
                session.add(rows[i : i + BATCH], fuzzy[share], not_in_force=0)
            inserted = time.perf_counter() - inserted
            finishing = time.perf_counter()
            session.finish(sha256="-", rows_read=len(rows), rejected=0, sheet=None)
        seconds = time.perf_counter() - started
        finishing = time.perf_counter() - finishing
        cpu = time.process_time() - cpu
        size_mb = (Path(folder) / "lists.db").stat().st_size // 2**20
        store.close()
    print(
        json.dumps(
            {
                "machine": f"{os.cpu_count()} cores, {platform.platform()}, Python"
                f" {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
                "rows": len(rows),
                "fuzzy_rows": len(fuzzy),
                "seconds": round(seconds, 1),
                "seconds_inserting": round(inserted, 1),
                "seconds_indexes_and_commit": round(finishing, 1),
                "rows_per_second": round(len(rows) / seconds),
                "cpu_seconds": round(cpu, 1),
                "db_mb": size_mb,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
