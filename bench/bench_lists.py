"""Lists at national size: import rate next to the raw CSV reader, check latency, size, memory.

    .venv/bin/python bench/bench_lists.py [--rows 10000000] [--csv bench/data/big_list.csv]
        [--db bench/data/bench_lists.db] [--queries 500] [--skip-import] [--reimport]
        [--xlsx-rows N] [--drop-caches]

The list comes from `bench/make_big_list.py` (synthetic, 22-field layout, UTF-8 CSV); with
`--rows` smaller than the file, the first rows are copied to `bench/data/big_list_<rows>.csv`.
Steps:

1. the raw reader: Python's `csv` module over the same file, rows/s;
2. `import_list` into a new `lists.db`, in a child process so that its peak memory (and its
   worker processes') can be read with `getrusage`;
3. `run_check` for listed and unlisted resident IDs (and listed ones with their name),
   listed USCCs, listed names (exact),
   the most common names, and names with one character of their core changed to a
   homophone or dropped (fuzzy; `fuzzy_recall`: how often the listed name is then among the
   possible matches), p50/p95 in ms (wall clock) — each query a full check as the CLI runs
   it, measures, data versions and the office's remembered exclusions (10,000 in
   `bench/data/bench_office.db`) included; with `--drop-caches` (Linux, as root), the
   page cache is emptied after the queries are chosen and before they run, so they read
   the database from disk as on a PC that has not read it since it started (choosing the
   queries reads their listings' pages);
4. the database's size;
5. with `--reimport`: the same file imported again (the staged merge of an update: every
   row compared, nothing changed);
6. with `--xlsx-rows N`: an .xlsx of the first N rows read by python-calamine and by
   openpyxl (read-only), the importer's sheet-range scan, and its import.

Results are printed and written to `bench/out/bench_lists.json`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stdnum.cn import ric  # noqa: E402

from desktop_app import paths  # noqa: E402
from desktop_app.models import names  # noqa: E402
from desktop_app.models.catalog import Catalog  # noqa: E402
from desktop_app.models.lists_store import ListStore  # noqa: E402
from desktop_app.models.office_db import OfficeDatabase  # noqa: E402
from desktop_app.services.screening.check import run_check  # noqa: E402

DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "out"
JURISDICTION, DEPARTMENT = "柳州市", "市财政局"


def subset(csv_path: Path, rows: int) -> Path:
    """The first `rows` data rows of `csv_path` (the file itself when it has no more)."""
    with open(csv_path, "rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b""))
    if lines - 1 <= rows:
        return csv_path
    target = DATA / f"big_list_{rows}.csv"
    if not target.exists():
        with open(csv_path, "rb") as source, open(target, "wb") as out:
            for number, line in enumerate(source):
                if number > rows:
                    break
                out.write(line)
    return target


def raw_reader(path: Path) -> dict[str, float]:
    started, cpu = time.perf_counter(), time.process_time()
    with open(path, newline="", encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.reader(handle)) - 1
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": round(seconds, 1),
        "rows_per_second": round(rows / seconds),
        "cpu_seconds": round(time.process_time() - cpu, 1),
    }


def xlsx_readers(csv_path: Path, rows: int) -> dict[str, Any]:
    """Read rates on an .xlsx of `rows` rows: python-calamine, openpyxl read-only, the
    importer's sheet-range scan, and a whole import."""
    import openpyxl
    import python_calamine

    from desktop_app.services.lists import session, xlsx_guard

    target = DATA / f"big_list_{rows}.xlsx"
    if not target.exists():
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("名单")
        with open(csv_path, newline="", encoding="utf-8") as handle:
            for number, line in enumerate(csv.reader(handle)):
                if number > rows:
                    break
                sheet.append(line)
        workbook.save(target)
    result: dict[str, Any] = {"rows": rows, "file_mb": round(target.stat().st_size / 1e6, 1)}

    def rate(label: str, work: Any) -> None:
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
        result[label] = {"seconds": round(seconds, 2), "rows_per_second": round(rows / seconds)}

    def calamine() -> None:
        book = python_calamine.CalamineWorkbook.from_path(str(target))
        for _ in book.get_sheet_by_index(0).iter_rows():
            pass

    def openpyxl_read_only() -> None:
        book = openpyxl.load_workbook(target, read_only=True)
        for _ in book.worksheets[0].iter_rows(values_only=True):
            pass
        book.close()

    def range_scan() -> None:
        xlsx_guard.check_xlsx_zip(target)

    def whole_import() -> None:
        db_path = DATA / "bench_xlsx.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        store = ListStore.open(db_path)
        session.import_list(
            store, target, "失信被执行人", catalog=Catalog.open(paths.catalog_path())
        )
        store.close()

    rate("calamine", calamine)
    rate("openpyxl_read_only", openpyxl_read_only)
    rate("range_scan", range_scan)
    rate("import", whole_import)
    return result


def import_child(path: Path, db_path: Path) -> None:
    """Run in a child process: import and print the report with CPU time and peak memory
    (of this process and of its worker processes)."""
    from desktop_app.services.lists.session import import_list

    store = ListStore.open(db_path)
    load_before = os.getloadavg()
    started, cpu = time.perf_counter(), time.process_time()
    report = import_list(store, path, "失信被执行人", catalog=Catalog.open(paths.catalog_path()))
    seconds = time.perf_counter() - started
    store.close()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "rows": report.rows_read,
                "added": report.added,
                "rejected": report.rejected,
                "bulk_load": report.bulk_load,
                "unchanged": report.unchanged,
                "same_as_version": report.same_as_version,
                "seconds": round(seconds, 1),
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


def run_import(path: Path, db_path: Path, fresh: bool = True) -> dict[str, Any]:
    for suffix in ("", "-wal", "-shm") if fresh else ():
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, __file__, "--import-child", str(path), str(db_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def timed(
    catalog: Catalog,
    store: ListStore,
    queries: list[tuple[str, str | None]],
    exclusions: Any = None,
) -> dict:
    times, statuses = [], {}
    for query, name in queries:
        started = time.perf_counter()
        result = run_check(
            catalog, store, query, JURISDICTION, DEPARTMENT, name=name, exclusions=exclusions
        )
        times.append((time.perf_counter() - started) * 1000)
        statuses[result.status] = statuses.get(result.status, 0) + 1
    times.sort()
    return {
        "n": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        "max_ms": round(times[-1], 2),
        "statuses": statuses,
    }


def homophone_table() -> dict[str, list[str]]:
    """Syllable → common characters with that reading, for typo queries."""
    common = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅金凤建国文斌宇浩然"
    common += "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯邓曹彭曾肖田董袁潘蒋蔡"
    common += "章彰璋薇玮炜纬卫蔚维唯微为威巍嵩松颂宋送诵"
    table: dict[str, list[str]] = {}
    for char in common:
        table.setdefault(names.pinyin_syllables(char)[0], []).append(char)
    return table


def typo(name: str, rng: random.Random, homophones: dict[str, list[str]]) -> str | None:
    """`name` with one character of its core (not a person's surname, not the region or the
    legal form) replaced by a homophone, or else dropped from a core of 4+ characters."""
    norm, parts = names.normalize_name(name), names.name_parts(name)
    start = norm.find(parts.core)
    if start < 0:
        return None
    first = start if parts.is_organization else start + 1
    positions = list(range(first, start + len(parts.core)))
    rng.shuffle(positions)
    for position in positions:
        syllable = names.pinyin_syllables(norm[position])[0]
        others = [c for c in homophones.get(syllable, []) if c != norm[position]]
        if others:
            return norm[:position] + rng.choice(others) + norm[position + 1 :]
    if len(parts.core) >= 4 and positions:
        position = positions[0]
        return norm[:position] + norm[position + 1 :]
    return None


def drop_page_cache() -> None:
    """Write dirty pages and empty the page cache (Linux, root only)."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def checks(db_path: Path, count: int, seed: int, cold: bool = False) -> dict[str, Any]:
    rng = random.Random(seed)
    store = ListStore.open(db_path)
    catalog = Catalog.open(paths.catalog_path())
    conn = sqlite3.connect(db_path)
    top = conn.execute("SELECT max(id) FROM listings").fetchone()[0]

    def sample(where: str, column: str, n: int) -> list[str]:
        found: list[str] = []
        while len(found) < n:
            ids = [rng.randrange(1, top + 1) for _ in range(n * 4)]
            marks = ",".join("?" for _ in ids)
            found += [
                r[0]
                for r in conn.execute(
                    f"SELECT {column} FROM listings WHERE id IN ({marks}) AND {where}", ids
                )
            ]
        return found[:n]

    listed_ids = sample("id_kind = 'resident_id'", "id_value", count)
    unlisted = []
    for _ in range(count):
        body = f"450102{rng.randrange(1950, 2000)}{rng.randrange(1, 13):02d}"
        body += f"{rng.randrange(1, 29):02d}{rng.randrange(0, 1000):03d}"
        unlisted.append(body + ric.calc_check_digit(body + "0"))
    usccs = sample("id_kind = 'uscc'", "id_value", count)
    person_names = sample("subject_type = 'person'", "name", count)
    company_names = sample("subject_type = 'organization'", "name", count)
    common = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM listings WHERE name_norm IN (SELECT name_norm FROM listings"
            " GROUP BY name_norm ORDER BY count(*) DESC LIMIT 20) GROUP BY name_norm"
        )
    ]
    common_counts = [
        r[0]
        for r in conn.execute(
            "SELECT count(*) FROM listings GROUP BY name_norm ORDER BY 1 DESC LIMIT 20"
        )
    ]
    homophones = homophone_table()
    pairs = [(n, t) for n in person_names + company_names if (t := typo(n, rng, homophones))]
    typos = [t for _, t in pairs]
    with_names = [
        (r[0], r[1])
        for r in conn.execute(
            "SELECT id_value, name FROM listings WHERE id_kind = 'resident_id' AND id IN ("
            + ",".join(str(rng.randrange(1, top + 1)) for _ in range(count * 4))
            + ")"
        )
    ][:count]
    # The office's remembered exclusions, as a check in the window or the CLI consults them:
    # 10,000 of them, a few for IDs that are checked below.
    office = OfficeDatabase.open(DATA / "bench_office.db")
    with office.transaction():
        office.conn.execute("DELETE FROM exclusions")
        for number in range(10_000):
            subject = listed_ids[number % len(listed_ids)] if number % 50 == 0 else f"X{number}"
            office.exclusions.add(
                subject_key=subject,
                subject_kind="resident_id",
                subject_name=None,
                listing_id=number + 1,
                listing_name="bench",
                list_name="bench",
                reason="bench",
                record_number=None,
                excluded_by="bench",
                excluded_at="2026-01-01T00:00:00+08:00",
            )
    excluded = office.exclusions
    if cold:
        drop_page_cache()
    results = {
        "resident_id_listed": timed(catalog, store, [(q, None) for q in listed_ids], excluded),
        "resident_id_not_listed": timed(catalog, store, [(q, None) for q in unlisted], excluded),
        "resident_id_with_name": timed(catalog, store, with_names, excluded),
        "uscc_listed": timed(catalog, store, [(q, None) for q in usccs], excluded),
        "name_exact_person": timed(catalog, store, [(q, None) for q in person_names]),
        "name_exact_organization": timed(catalog, store, [(q, None) for q in company_names]),
        "name_most_common_20": timed(catalog, store, [(q, None) for q in common * 5]),
        "name_fuzzy": timed(catalog, store, [(q, None) for q in typos]),
    }
    results["most_common_name_listings"] = common_counts[:5]
    found = 0
    for original, mistyped in pairs:
        result = run_check(catalog, store, mistyped, JURISDICTION, DEPARTMENT)
        shown = {p["name"] for p in result.possible} | {h["name"] for h in result.hits}
        found += original in shown
    results["fuzzy_recall"] = round(found / len(pairs), 3)
    office.close()
    store.close()
    catalog.close()
    conn.close()
    return results


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--import-child":
        import_child(Path(sys.argv[2]), Path(sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--csv", type=Path, default=DATA / "big_list.csv")
    parser.add_argument("--db", type=Path, default=DATA / "bench_lists.db")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--skip-import", action="store_true", help="reuse --db as it is")
    parser.add_argument(
        "--drop-caches",
        action="store_true",
        help="empty the page cache before the checks run (Linux, as root)",
    )
    parser.add_argument(
        "--xlsx-rows", type=int, default=0, help="also time .xlsx readers on this many rows"
    )
    parser.add_argument(
        "--reimport", action="store_true", help="also import the same file again (staged merge)"
    )
    args = parser.parse_args()
    if not args.csv.exists():
        print(f"{args.csv} is missing: run bench/make_big_list.py first.", file=sys.stderr)
        return 1
    source = subset(args.csv, args.rows)
    results: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "file": source.name,
        "file_mb": round(source.stat().st_size / 1e6),
        "load_before": os.getloadavg(),
    }
    results["raw_reader"] = raw_reader(source)
    print(json.dumps(results, ensure_ascii=False), flush=True)
    if not args.skip_import:
        results["import"] = run_import(source, args.db)
        results["import"]["ratio_to_raw_reader"] = round(
            results["import"]["rows_per_second"] / results["raw_reader"]["rows_per_second"], 3
        )
        print(json.dumps(results["import"]), flush=True)
    if args.reimport:
        results["reimport"] = run_import(source, args.db, fresh=False)
        print(json.dumps(results["reimport"]), flush=True)
    if args.xlsx_rows:
        results["xlsx"] = xlsx_readers(args.csv, args.xlsx_rows)
        print(json.dumps(results["xlsx"]), flush=True)
    results["db_mb"] = round(args.db.stat().st_size / 1e6)
    results["checks"] = checks(args.db, args.queries, args.seed, args.drop_caches)
    results["load_after"] = os.getloadavg()
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_lists.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
