"""A list's monthly update at national size: what it costs next to the raw CSV reader.

    .venv/bin/python bench/bench_list_update.py [--csv bench/data/big_list.csv]
        [--rows 10000000] [--base-db bench/data/bench_lists.db] [--seed 7]
        [--keep-update-db]

The list (version 1) comes from `bench/make_big_list.py`; with `--rows` smaller than the
file, its first rows are copied next to it (`big_list_<rows>.csv`). Version 2 is made from
version 1 deterministically (`--seed`) next to it (`big_list_v2.csv`,
`big_list_<rows>_v2.csv`): 1 % of the rows changed (a partial payment: 被执行人的履行情况,
已履行部分* and 未履行部分; or 失信被执行人具体情形; or 立案时间 a day later), 0.5 % left out
(the listings a full import revokes by absence) and 0.5 % new rows (new record keys) spread
through the file. Steps, each import in a child process so that its peak memory and its
worker processes' can be read with `getrusage`:

1. the raw reader: Python's `csv` module over version 1 and over version 2, rows/s;
2. the first import of version 1 into `--base-db` (skipped when that database already holds
   exactly version 1 of the list, as a first import: see `--reuse-base`);
3. version 2 imported over a copy of it (`bench_update.db` beside it): the update, with its
   counts, rows/s and its ratio to the raw reader on version 2;
4. version 2 again (the identical file): recognised from its size and SHA-256.

Results are printed and written to `bench/out/bench_list_update.json` (with the load average
before and after each step).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop_app import paths  # noqa: E402
from desktop_app.models.catalog import Catalog  # noqa: E402
from desktop_app.models.lists_store import ListStore  # noqa: E402
from desktop_app.services.lists.demo_data import STANDARD_FIELDS, bulk_rows  # noqa: E402

DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "out"
CATEGORY = "失信被执行人"

CHANGED_SHARE = 0.01
ADDED_SHARE = 0.005
DROPPED_SHARE = 0.005
# Serial numbers of the new rows' 信息唯一标识: above any version 1 has.
NEW_SERIALS = 900_000_001

_AT = {name: i for i, name in enumerate(STANDARD_FIELDS)}
_SITUATIONS = (
    "违反限制消费令",
    "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
    "违反财产报告制度",
    "有履行能力而拒不履行生效法律文书确定义务",
)


def subset(csv_path: Path, rows: int) -> Path:
    """The first `rows` data rows of `csv_path`, copied beside it (the file itself when it
    has no more)."""
    target = csv_path.parent / f"{csv_path.stem}_{rows}.csv"
    if target.exists():
        return target
    with open(csv_path, "rb") as source:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: source.read(1 << 24), b""))
    if lines - 1 <= rows:
        return csv_path
    with open(csv_path, "rb") as source, open(target, "wb") as out:
        for number, line in enumerate(source):
            if number > rows:
                break
            out.write(line)
    return target


def _changed(cells: list[str], rng: random.Random) -> None:
    """One row's update, in place: what a court's next monthly file says of a debtor."""
    kind = rng.randrange(3)
    owed = int(cells[_AT["未履行部分"]] or 0)
    if kind == 0 and owed > 1:
        paid = owed // rng.randrange(2, 10)
        cells[_AT["已履行部分*"]] = str(paid)
        cells[_AT["未履行部分"]] = str(owed - paid)
        cells[_AT["被执行人的履行情况"]] = "部分未履行"
    elif kind < 2:
        current = cells[_AT["失信被执行人具体情形"]]
        cells[_AT["失信被执行人具体情形"]] = rng.choice([s for s in _SITUATIONS if s != current])
    else:
        filed = cells[_AT["立案时间"]]
        cells[_AT["立案时间"]] = (
            f"{filed[:8]}{int(filed[8:]) % 28 + 1:02d}" if filed else "2020-01-01"
        )


def make_v2(v1: Path, v2: Path, seed: int) -> dict[str, int]:
    """Version 2 of the list in `v1` (see the module doc), written to `v2`; the counts."""
    rng = random.Random(seed)
    with open(v1, "rb") as handle:
        rows = sum(1 for _ in handle) - 1
    new_rows = bulk_rows(int(rows * ADDED_SHARE * 1.1) + 10, seed, NEW_SERIALS)
    counts = {"rows_v1": rows, "changed": 0, "dropped": 0, "added": 0, "rows_v2": 0}
    partial = v2.with_suffix(".partial")
    with (
        open(v1, newline="", encoding="utf-8") as source,
        open(partial, "w", newline="", encoding="utf-8") as out,
    ):
        reader, writer = csv.reader(source), csv.writer(out)
        writer.writerow(next(reader))
        for cells in reader:
            draw = rng.random()
            if draw < DROPPED_SHARE:
                counts["dropped"] += 1
            else:
                if draw < DROPPED_SHARE + CHANGED_SHARE:
                    _changed(cells, rng)
                    counts["changed"] += 1
                writer.writerow(cells)
                counts["rows_v2"] += 1
            if rng.random() < ADDED_SHARE:
                writer.writerow(next(new_rows))
                counts["added"] += 1
                counts["rows_v2"] += 1
    partial.replace(v2)
    return counts


def raw_reader(path: Path) -> dict[str, Any]:
    """Python's csv module over the whole file, in this process."""
    load = os.getloadavg()
    started, cpu = time.perf_counter(), time.process_time()
    with open(path, newline="", encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.reader(handle)) - 1
    seconds = time.perf_counter() - started
    return {
        "file": path.name,
        "rows": rows,
        "seconds": round(seconds, 1),
        "rows_per_second": round(rows / seconds),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "load_before": [round(x, 2) for x in load],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }


def import_child(path: Path, db_path: Path) -> None:
    """Run in a child process: import `path` as the list 失信被执行人 and print the report's
    counts with time, CPU time and peak memory (of this process and of its workers)."""
    from desktop_app.services.lists.session import import_list

    load_before = os.getloadavg()
    started, cpu = time.perf_counter(), time.process_time()
    ticks: list[tuple[float, float]] = []
    store = ListStore.open(db_path)
    report = import_list(
        store,
        path,
        CATEGORY,
        catalog=Catalog.open(paths.catalog_path()),
        progress=lambda done, total: ticks.append((time.perf_counter(), time.process_time())),
    )
    store.close()
    seconds = time.perf_counter() - started
    # The file is read when the last row's progress is reported (the tick after its
    # SHA-256); what follows is planning, writing and committing.
    read_until, read_cpu = ticks[-2] if len(ticks) > 1 else (started, cpu)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    keys = ("rows_read", "added", "updated", "revoked", "revoked_absent", "unchanged")
    print(
        json.dumps(
            {
                **{key: getattr(report, key) for key in keys},
                "rejected": report.rejected,
                "bulk_load": report.bulk_load,
                "version": report.version,
                "same_as_version": report.same_as_version,
                "seconds": round(seconds, 2),
                "report_seconds": round(report.seconds, 2),
                "reading_seconds": round(read_until - started, 1),
                "writing_seconds": round(started + seconds - read_until, 1),
                "cpu_seconds_main_reading": round(read_cpu - cpu, 1),
                **_io_counters(),
                "rows_per_second": round(report.rows_read / seconds),
                "cpu_seconds_main": round(time.process_time() - cpu, 1),
                "cpu_seconds_workers": round(workers.ru_utime + workers.ru_stime, 1),
                "peak_rss_mb_main": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                "peak_rss_mb_workers": workers.ru_maxrss // 1024,
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


def _io_counters() -> dict[str, int]:
    """MB this process read from and wrote to storage (Linux), its workers not counted."""
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        return {}
    fields = dict(line.split(": ") for line in text.splitlines())
    return {
        "storage_read_mb": int(fields["read_bytes"]) // 10**6,
        "storage_written_mb": int(fields["write_bytes"]) // 10**6,
    }


def run_import(path: Path, db_path: Path) -> dict[str, Any]:
    """`import_child` in a new process; its wall time from start to exit too."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--import-child", str(path), str(db_path)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"import of {path.name} failed (exit {done.returncode})")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - started, 2)
    return result


def holds_first_import_of(db_path: Path, v1: Path) -> bool:
    """Whether `db_path` holds the list as a first import of `v1` and nothing else."""
    if not db_path.exists():
        return False
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        versions = conn.execute(
            "SELECT v.file_name, v.file_size, v.version_no FROM list_versions v"
        ).fetchall()
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return versions == [(v1.name, v1.stat().st_size, 1)]


def remove_db(db_path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--import-child":
        import_child(Path(sys.argv[2]), Path(sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DATA / "big_list.csv")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument(
        "--base-db",
        type=Path,
        help="lists.db with the first import of version 1 (default: bench_lists.db beside"
        " the list, or bench_list_update_<rows>.db for a part of it)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--reuse-base",
        action="store_true",
        help="do not import version 1 again when --base-db already holds it",
    )
    parser.add_argument(
        "--keep-update-db", action="store_true", help="keep bench_update.db (version 2)"
    )
    args = parser.parse_args()
    if not args.csv.exists():
        print(f"{args.csv} is missing: run bench/make_big_list.py first.", file=sys.stderr)
        return 1
    data = args.csv.parent
    v1 = subset(args.csv, args.rows)
    v2 = v1.with_name(f"{v1.stem}_v2.csv")
    base_db = args.base_db or data / (
        "bench_lists.db" if v1 == args.csv else f"bench_list_update_{args.rows}.db"
    )
    update_db = base_db.with_name(f"{base_db.stem}_update.db")
    results: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }

    def show(key: str, value: Any) -> None:
        results[key] = value
        print(json.dumps({key: value}, ensure_ascii=False), flush=True)

    if not v2.exists():
        show("make_v2", make_v2(v1, v2, args.seed))
    show("file_v1", {"name": v1.name, "mb": round(v1.stat().st_size / 1e6)})
    show("file_v2", {"name": v2.name, "mb": round(v2.stat().st_size / 1e6)})
    show("raw_reader_v1", raw_reader(v1))
    if args.reuse_base and holds_first_import_of(base_db, v1):
        show("first_import", "reused " + base_db.name)
    else:
        remove_db(base_db)
        first = run_import(v1, base_db)
        first["ratio_to_raw_reader"] = round(
            first["rows_per_second"] / results["raw_reader_v1"]["rows_per_second"], 3
        )
        show("first_import", first)
    show("db_mb", round(base_db.stat().st_size / 1e6))
    remove_db(update_db)
    started = time.perf_counter()
    shutil.copyfile(base_db, update_db)
    os.sync()  # (the copy written out, as a lists.db on a PC is, before the update is timed)
    show("copy_seconds", round(time.perf_counter() - started, 1))
    show("raw_reader_v2", raw_reader(v2))
    update = run_import(v2, update_db)
    update["ratio_to_raw_reader"] = round(
        update["rows_per_second"] / results["raw_reader_v2"]["rows_per_second"], 3
    )
    show("update", update)
    show("raw_reader_v2_after", raw_reader(v2))
    show("identical_again", run_import(v2, update_db))
    if not args.keep_update_db:
        remove_db(update_db)
    results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    OUT.mkdir(exist_ok=True)
    name = "bench_list_update.json" if v1 == args.csv else f"bench_list_update_{args.rows}.json"
    (OUT / name).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
