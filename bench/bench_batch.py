"""Batch checks and re-checks at national size (issue 12).

    .venv/bin/python bench/bench_batch.py --db bench/data/bench_lists.db [--rows 10000]
        [--records 100000] [--update 10000] [--skip-batch] [--skip-rescreen]

Uses a `lists.db` built by `bench/bench_lists.py` (10,000,000 synthetic listings). Subjects
are drawn from it: half of the rows an ID (resident IDs and USCCs, half of them listed,
half valid IDs on no list), half a name (half listed names, half names on no list: persons
of rare characters and listed companies with a word added to their name, i.e. near misses).

1. Batch (`--rows`): a scratch data folder uses the lists.db opened read only (a batch
   only reads it; the file is never written);
   a clerk's .xlsx file of `--rows` subjects is checked and stored (`run_batch`: reading,
   checking, storing every record and the batch record), the results workbook written and
   the batch record PDF rendered and signed (`print_batch`), each timed; then `verify` of
   the PDF (not part of the target).
2. Re-check (`--records`): the lists.db is copied into a scratch folder (the update goes
   into the copy, deleted at the end); `--records` subjects are stored as check records by
   batches of `--rows`, the first re-check watches them all, then an incremental update of
   `--update` rows (a fifth revocations of listings that hit stored subjects, the rest new
   listings, a fifth of those for stored subjects not listed before) is imported and the
   re-check after it timed; then a second update is re-checked by the window's worker
   while a timer on the GUI thread measures how late the event loop runs (the window must
   not freeze).

Results are printed and written to `bench/out/bench_batch.json`.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stdnum.cn import ric, uscc  # noqa: E402

from desktop_app.context import AppContext  # noqa: E402
from desktop_app.services import accounts, admin  # noqa: E402

DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "out"
JURISDICTION = "柳州市"
DEPARTMENT = "市市场监管局"
PASSWORD = "bench-pass-1"
RARE = "翀翥翮翯翾翽耄耋聿肄胤胥脩腴臧舂舄艮芃芊芪苒苡茕茜荀荏荑莒莘菡萁葳蒹蓁蔻"
CATEGORY = "失信被执行人"


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


class Sampler:
    """Random listings of the lists.db, read only."""

    def __init__(self, db: Path, seed: int) -> None:
        self.conn = sqlite3.connect(f"file:{db.as_posix()}?mode=ro", uri=True)
        self.top = self.conn.execute("SELECT max(id) FROM listings").fetchone()[0]
        self.rng = random.Random(seed)

    def listings(self, where: str, count: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        columns = "id, record_key, name, id_kind, id_value, subject_type, listed_on"
        while len(found) < count:
            ids = [self.rng.randrange(1, self.top + 1) for _ in range(count * 3)]
            marks = ",".join("?" for _ in ids)
            cursor = self.conn.execute(
                f"SELECT {columns} FROM listings WHERE id IN ({marks}) AND {where}", ids
            )
            names = [d[0] for d in cursor.description]
            found += [dict(zip(names, row, strict=True)) for row in cursor]
        return found[:count]

    def unlisted_id(self) -> str:
        if self.rng.random() < 0.8:
            body = f"450102{self.rng.randrange(1950, 2000)}{self.rng.randrange(1, 13):02d}"
            body += f"{self.rng.randrange(1, 29):02d}{self.rng.randrange(0, 1000):03d}"
            return body + ric.calc_check_digit(body + "0")
        body = f"91450102MA{self.rng.randrange(10**7):07d}"
        organisation = body[8:16]
        from desktop_app.models.identifiers import org_code_check_char

        body = body[:8] + organisation + org_code_check_char(organisation)
        return body + uscc.calc_check_digit(body)

    def unlisted_name(self) -> str:
        if self.rng.random() < 0.5:
            return "".join(self.rng.choice(RARE) for _ in range(3))
        company = self.listings("subject_type = 'organization'", 1)[0]["name"]
        cut = max(2, len(company) - 4)
        return company[:cut] + "新" + company[cut:]

    def subjects(self, count: int) -> list[tuple[str, str, dict[str, Any] | None]]:
        """(name, id, listing or None) rows: half IDs, half names, half of each listed."""
        quarter = count // 4
        rows: list[tuple[str, str, dict[str, Any] | None]] = []
        for listing in self.listings("id_kind IN ('resident_id', 'uscc')", quarter):
            rows.append(("", listing["id_value"], listing))
        rows += [("", self.unlisted_id(), None) for _ in range(quarter)]
        for listing in self.listings("1 = 1", quarter):
            rows.append((listing["name"], "", listing))
        rows += [(self.unlisted_name(), "", None) for _ in range(count - 3 * quarter)]
        self.rng.shuffle(rows)
        return rows


def write_subjects(path: Path, rows: list[tuple[str, str, Any]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("申请人")
    sheet.append(["序号", "名称", "证件号码", "备注"])
    for number, (name, ident, _) in enumerate(rows, start=1):
        sheet.append([str(number), name, ident, ""])
    workbook.save(path)
    return path


def office(data_dir: Path) -> tuple[AppContext, Any]:
    """The data folder's office: an administrator and a clerk of the department."""
    ctx = AppContext(data_dir)
    boss, _ = admin.first_start(
        ctx,
        jurisdiction=JURISDICTION,
        department=DEPARTMENT,
        admin_name="admin",
        password=PASSWORD,
    )
    clerk = accounts.add_user(
        ctx, boss, "clerk", PASSWORD, role="clerk", department=DEPARTMENT, display_name="科员"
    )
    return ctx, (boss, clerk)


def timed_batch(ctx: AppContext, clerk: Any, path: Path, out: Path) -> dict[str, Any]:
    """One batch end to end: check and store, results workbook, signed PDF."""
    from desktop_app.services.screening import batch
    from desktop_app.services.screening.batch_xlsx import write_results_xlsx

    marks: dict[str, float] = {}

    def progress(done: int, total: int) -> None:
        if done >= total // 2 and "checked" not in marks:
            marks["checked"] = time.perf_counter()
            marks["checked_cpu"] = time.process_time()

    cpu = time.process_time()
    children = children_cpu()
    started = time.perf_counter()
    result = batch.run_batch(ctx, clerk, path, JURISDICTION, DEPARTMENT, progress=progress)
    stored = time.perf_counter()
    write_results_xlsx(result, out / "results.xlsx")
    workbook = time.perf_counter()
    printed = batch.print_batch(ctx, clerk, result["batch_number"], out / "batch.pdf")
    signed = time.perf_counter()
    return {
        "result": result,
        "printed": printed,
        "seconds": {
            "read_and_check": round(marks["checked"] - started, 2),
            "store_records_and_batch": round(stored - marks["checked"], 2),
            "results_xlsx": round(workbook - stored, 2),
            "pdf_render_and_sign": round(signed - workbook, 2),
            "total": round(signed - started, 2),
        },
        "cpu_seconds": {
            "batch_process": round(time.process_time() - cpu, 2),
            "batch_process_checking": round(marks["checked_cpu"] - cpu, 2),
            "worker_processes": round(children_cpu() - children, 2),
        },
    }


def children_cpu() -> float:
    """CPU seconds of the finished worker processes (user and system)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_batch(db: Path, rows: int, seed: int, scratch: Path) -> dict[str, Any]:
    from desktop_app.models import db as sqlite_db
    from desktop_app.models.lists_store import ListStore
    from desktop_app.services.records.verification import verify_record_pdf

    data_dir = scratch / "data"
    data_dir.mkdir(parents=True)
    ctx, (_, clerk) = office(data_dir)
    # The shared lists.db is opened read only: a batch only reads it, and nothing (such as
    # carrying an import's pending audit entry into this scratch office) may write to it.
    ctx.cached("lists", lambda: ListStore(sqlite_db.connect(db, readonly=True)))
    sampler = Sampler(db, seed)
    path = write_subjects(scratch / "subjects.xlsx", sampler.subjects(rows))
    load_before = load()
    run = timed_batch(ctx, clerk, path, scratch)
    started = time.perf_counter()
    verified = verify_record_pdf(ctx, scratch / "batch.pdf")
    verify_seconds = round(time.perf_counter() - started, 2)
    result = run.pop("result")
    ctx.close()
    return {
        **run,
        "rows": rows,
        "input": {"file": path.name, "bytes": path.stat().st_size},
        "counts": result["counts"],
        "pdf_pages": _pages(scratch / "batch.pdf"),
        "pdf_bytes": (scratch / "batch.pdf").stat().st_size,
        "xlsx_bytes": (scratch / "results.xlsx").stat().st_size,
        "office_db_mb": round((data_dir / "office.db").stat().st_size / 1024**2, 1),
        "verify_seconds": verify_seconds,
        "verify_ok": verified["ok"],
        "peak_rss_mb": rss_mb(),
        "load_before": load_before,
        "load_after": load(),
    }


def _pages(pdf: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return len(document)
    finally:
        document.close()


# -- re-checks ------------------------------------------------------------------------------


def _row(fields: list[str], values: dict[str, str]) -> list[str]:
    return [values.get(name, "") for name in fields]


def write_update(
    path: Path,
    fields: list[str],
    revoked: list[dict[str, Any]],
    added: list[tuple[str, str]],
    serial: int,
) -> Path:
    """An incremental update: revocations (by 撤销时间) and new listings."""
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for listing in revoked:
            writer.writerow(
                _row(
                    fields,
                    {
                        "信息唯一标识": listing["record_key"],
                        "失信被执行人姓名/名称": listing["name"],
                        "身份证号码/组织机构代码": listing["id_value"] or "",
                        "发布时间": listing["listed_on"] or "2019-01-01",
                        "撤销时间": yesterday,
                        "执行法院": "柳州市中级人民法院",
                    },
                )
            )
        for number, (name, ident) in enumerate(added, start=serial):
            person = ident == "" or (len(ident) == 18 and ident[:17].isdigit())
            writer.writerow(
                _row(
                    fields,
                    {
                        "信息唯一标识": f"BENCH-UPDATE-{number:08d}",
                        "案号": f"（2025）桂0202执{number}号",
                        "失信被执行人姓名/名称": name,
                        "身份证号码/组织机构代码": ident,
                        "执行法院": "柳州市城中区人民法院",
                        "标识自然人或企业法人": "自然人" if person else "企业法人",
                        "发布时间": "2025-01-02",
                    },
                )
            )
    return path


def make_update(
    sampler: Sampler,
    subjects: list[tuple[str, str, Any]],
    size: int,
    serial: int,
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """A fifth revocations (listings that hit stored subjects first), the rest new listings
    (a fifth of them for stored subjects on no list yet)."""
    rng = sampler.rng
    listed = [listing for _, _, listing in subjects if listing is not None]
    unlisted = [(name, ident) for name, ident, listing in subjects if listing is None]
    revoked = rng.sample(listed, min(len(listed), size // 5))
    new_for_subjects = rng.sample(unlisted, min(len(unlisted), (size - len(revoked)) // 5))
    added = [(name or "某某", ident) for name, ident in new_for_subjects]
    while len(revoked) + len(added) < size:
        added.append((sampler.unlisted_name(), sampler.unlisted_id()))
    return revoked, added


def gui_rescreen(data_dir: Path, user_name: str) -> dict[str, Any]:
    """The re-check on the window's worker, with a 10 ms timer on the GUI thread: how late
    the event loop serves it while the re-check runs."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.alerts_view import RescreenRunner
    from desktop_app.ui.check_view import Session
    from desktop_app.ui.workers import TaskRunner

    application = QApplication.instance() or QApplication([])
    ctx = AppContext(data_dir)
    user = ctx.office.users.get(user_name)
    session = Session(ctx, user, JURISDICTION, DEPARTMENT)
    tasks = TaskRunner(data_dir)
    runner = RescreenRunner(session, tasks)
    late: list[float] = []
    clock = QElapsedTimer()
    outcome: dict[str, Any] = {}
    ticker = QTimer()
    ticker.setInterval(10)

    def tick() -> None:
        late.append(max(0.0, clock.restart() - 10.0))

    def done(result: dict[str, Any]) -> None:
        outcome.update(result)
        application.quit()

    ticker.timeout.connect(tick)
    runner.finished.connect(done)
    runner.failed.connect(lambda error: (outcome.update(error=str(error)), application.quit()))
    started = time.perf_counter()
    clock.start()
    ticker.start()
    runner.start()
    application.exec()
    seconds = time.perf_counter() - started
    ticker.stop()
    tasks.wait()
    ctx.close()
    ordered = sorted(late)
    return {
        "seconds": round(seconds, 2),
        "outcome": {k: outcome.get(k) for k in ("rechecked", "alerts", "subjects", "error")},
        "timer_ticks": len(late),
        "event_loop_late_ms": {
            "median": round(statistics.median(ordered), 1) if ordered else None,
            "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else None,
            "max": round(ordered[-1], 1) if ordered else None,
        },
    }


def bench_rescreen(
    db: Path, records: int, rows: int, update: int, seed: int, scratch: Path
) -> dict[str, Any]:
    from desktop_app.models.db import backup_to
    from desktop_app.services.lists.header import standard_field_names
    from desktop_app.services.screening import rescreen

    data_dir = scratch / "data"
    data_dir.mkdir(parents=True)
    started = time.perf_counter()
    backup_to(db, data_dir / "lists.db")
    copy_seconds = round(time.perf_counter() - started, 1)
    ctx, (boss, clerk) = office(data_dir)
    sampler = Sampler(data_dir / "lists.db", seed + 1)
    subjects: list[tuple[str, str, Any]] = []
    batches = []
    for number in range((records + rows - 1) // rows):
        chunk = sampler.subjects(min(rows, records - number * rows))
        subjects += chunk
        path = write_subjects(scratch / f"records-{number}.xlsx", chunk)
        begun = time.perf_counter()
        from desktop_app.services.screening import batch

        result = batch.run_batch(ctx, clerk, path, JURISDICTION, DEPARTMENT)
        batches.append(
            {"rows": len(chunk), "seconds": round(time.perf_counter() - begun, 1)}
            | {"listed": result["counts"]["listed"], "possible": result["counts"]["possible"]}
        )
        path.unlink()
        print(f"  stored {len(subjects):,} records", file=sys.stderr, flush=True)
    stored = sum(1 for _ in ctx.office.records.iter_stored())

    begun = time.perf_counter()
    first = rescreen.rescreen(ctx, boss)
    first_seconds = round(time.perf_counter() - begun, 2)

    fields = standard_field_names(ctx.catalog)
    revoked, added = make_update(sampler, subjects, update, 1)
    path = write_update(scratch / "update-1.csv", fields, revoked, added, 1)
    begun = time.perf_counter()
    report = admin.import_list_file(
        ctx, boss, path, CATEGORY, list_name=_list_name(ctx), mode="incremental", rescreen=False
    )
    import_seconds = round(time.perf_counter() - begun, 2)
    load_before = load()
    cpu = time.process_time()
    begun = time.perf_counter()
    after = rescreen.rescreen(ctx, boss)
    seconds = round(time.perf_counter() - begun, 2)
    cpu_seconds = round(time.process_time() - cpu, 2)
    load_after = load()

    revoked, added = make_update(sampler, subjects, max(update // 2, 1), 10**7)
    path = write_update(scratch / "update-2.csv", fields, revoked, added, 10**7)
    admin.import_list_file(
        ctx, boss, path, CATEGORY, list_name=_list_name(ctx), mode="incremental", rescreen=False
    )
    ctx.close()
    window = gui_rescreen(data_dir, "admin")
    return {
        "records": stored,
        "copy_lists_db_seconds": copy_seconds,
        "storing_batches": batches,
        "first_rescreen": {"seconds": first_seconds, **_brief(first)},
        "update": {
            "rows": update,
            "revoked": report.revoked,
            "added": report.added,
            "updated": report.updated,
            "import_seconds": import_seconds,
        },
        "rescreen_after_update": {
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            **_brief(after),
            "load_before": load_before,
            "load_after": load_after,
        },
        "window_rescreen_second_update": window,
        "office_db_mb": round((data_dir / "office.db").stat().st_size / 1024**2, 1),
        "peak_rss_mb": rss_mb(),
    }


def _list_name(ctx: AppContext) -> str:
    """The benchmark list's name (the one list of the lists.db)."""
    return ctx.lists.data_versions()[0]["list"]


def _brief(outcome: dict[str, Any]) -> dict[str, Any]:
    keys = ("subjects", "rechecked", "alerts", "kinds", "full_groups", "records_read")
    return {key: outcome[key] for key in keys}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DATA / "bench_lists.db")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--update", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--work", type=Path, default=DATA / "batch")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-rescreen", action="store_true")
    args = parser.parse_args()
    if not args.db.exists():
        print(f"{args.db} is missing: run bench/bench_lists.py first.", file=sys.stderr)
        return 1
    from desktop_app.models.lists_store import needs_upgrade

    if needs_upgrade(args.db):
        print(
            f"{args.db} has an older schema: this benchmark opens it read only and does not"
            " upgrade it. Upgrade a copy (open it once with the program) and pass that.",
            file=sys.stderr,
        )
        return 1
    os.environ.setdefault("XYHC_SECRET_DIR", str(args.work / "secrets"))
    os.environ.setdefault("XYHC_CONFIG", str(args.work / "config.toml"))
    accounts.SCRYPT = accounts.ScryptParams(n=2**12, r=8, p=1)  # logins are not measured
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    listings = (
        sqlite3.connect(f"file:{args.db.as_posix()}?mode=ro", uri=True)
        .execute("SELECT count(*) FROM listings")
        .fetchone()[0]
    )
    results: dict[str, Any] = {
        "machine": f"{platform.node()}: {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "db": str(args.db),
        "listings": listings,
    }
    try:
        if not args.skip_batch:
            results["batch"] = bench_batch(args.db, args.rows, args.seed, args.work / "batch")
            print(json.dumps(results["batch"], ensure_ascii=False, indent=2), flush=True)
        if not args.skip_rescreen:
            results["rescreen"] = bench_rescreen(
                args.db, args.records, args.rows, args.update, args.seed, args.work / "rescreen"
            )
            print(json.dumps(results["rescreen"], ensure_ascii=False, indent=2), flush=True)
    finally:
        # The copy of the lists.db is large: never leave it behind.
        shutil.rmtree(args.work, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_batch.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
