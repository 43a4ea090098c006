"""A department's year in one feedback package: export, import at the credit office, the city
report.

    .venv/bin/python bench/bench_feedback.py [--records 100000] [--listed 0.3] [--postgresql]

Builds, under bench/data/feedback/, a department PC with `--records` check records (a share
`--listed` of them listed with five measures, feedback on most of those; the others not
listed), stored directly through the records and audit stores in one transaction (storing them
one check at a time is what bench_audit.py measures). Then times: the department's `feedback
export` of the whole year (sign and encrypt included), the credit office's `feedback import`
of that package (decrypt, verify, check every record's hash, store), importing it again (no
change), `build_report`, and writing the PDF and the Excel workbook. Prints JSON with the
package size and the process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
DATA = ROOT / "bench" / "data" / "feedback"
os.environ["XYHC_SECRET_DIR"] = str(DATA / "secrets")

from office_helpers import FAST_SCRYPT, check_result  # noqa: E402

from desktop_app.config import MachineConfig, save_machine_config  # noqa: E402
from desktop_app.context import AppContext  # noqa: E402
from desktop_app.models.record_types import canonical_record_hash  # noqa: E402
from desktop_app.services import accounts, admin  # noqa: E402
from desktop_app.services.exchange import office_key  # noqa: E402
from desktop_app.services.records import record_prefix, signing  # noqa: E402

PASSWORD = "bench-pass-1"
ACTIONS = ("applied", "applied", "not_applicable", "referred", None)


def pc(name: str, **config: object) -> AppContext:
    """An AppContext of one PC (its own machine configuration)."""
    path = DATA / name / "config.toml"
    if not path.exists():
        save_machine_config(MachineConfig(**config), path)  # type: ignore[arg-type]
    os.environ["XYHC_CONFIG"] = str(path)
    ctx = AppContext(DATA / name / "data")
    ctx.config  # noqa: B018 (read while this PC's configuration is in force)
    return ctx


def fill(ctx: AppContext, user: accounts.User, count: int, listed: float) -> None:
    """`count` records over the past year, and their audit entries, in one transaction."""
    listed_result = check_result(user, measures=5).to_json()
    clear_result = check_result(user, status="not_listed").to_json()
    prefix = record_prefix(user.jurisdiction or "", user.department or "")
    start = datetime.now().astimezone() - timedelta(days=365)
    step = timedelta(days=365) / count
    every = round(1 / listed) if listed else 0
    with ctx.office.transaction():
        for index in range(count):
            moment = start + step * index
            at = moment.isoformat(timespec="seconds")
            hit = bool(every) and index % every == 0
            content = listed_result if hit else clear_result
            record = {
                **content,
                "checked_at": at,
                "record_number": f"{prefix}-{moment.year}-{index + 1:06d}",
                "version": 1,
                "previous_version": None,
                "created_at": at,
                "user": {"name": user.name, "display_name": user.display_name},
                "measures": [
                    {
                        **measure,
                        "feedback": {
                            "action": ACTIONS[(index + position) % len(ACTIONS)],
                            "reason": "申请事项不涉及"
                            if ACTIONS[(index + position) % len(ACTIONS)] == "not_applicable"
                            else None,
                            "note": None,
                            "by": user.name,
                            "at": (moment + timedelta(days=(index % 20) + 1)).isoformat(
                                timespec="seconds"
                            )
                            if ACTIONS[(index + position) % len(ACTIONS)]
                            else None,
                        },
                    }
                    for position, measure in enumerate(content["measures"])
                ],
            }
            record["record_hash"] = canonical_record_hash(record)
            ctx.office.records.insert(record)
            ctx.office.audit.append(
                at=at,
                user_name=user.name,
                action="check",
                record_number=record["record_number"],
                record_hash=record["record_hash"],
                details={"version": 1, "status": record["status"]},
            )


class Timer:
    """Wall-clock and CPU seconds of a phase, and the peak memory after it."""

    def __init__(self) -> None:
        self.phases: dict[str, dict[str, float]] = {}

    def __call__(self, name: str) -> Timer:
        self.name = name
        return self

    def __enter__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc: object) -> None:
        self.phases[self.name] = {
            "wall_s": round(time.perf_counter() - self.wall, 2),
            "cpu_s": round(time.process_time() - self.cpu, 2),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--listed", type=float, default=0.3)
    parser.add_argument(
        "--postgresql",
        action="store_true",
        help="the credit office's data on a throw-away local PostgreSQL cluster"
        " (tests/pg_cluster.py, fsync on, over its Unix socket) instead of office.db",
    )
    args = parser.parse_args()
    accounts.SCRYPT = FAST_SCRYPT  # logins are not what is measured here
    shutil.rmtree(DATA, ignore_errors=True)
    if not args.postgresql:
        run(args, None)
        return
    import tempfile

    import pg_cluster

    cluster = Path(tempfile.mkdtemp(prefix="xyhc-bench-pg-"))  # handed to `postgres`
    try:
        url = pg_cluster.start(cluster, durable=True)
        try:
            run(args, url)
        finally:
            pg_cluster.stop(cluster)
    finally:
        shutil.rmtree(cluster, ignore_errors=True)


def run(args: argparse.Namespace, database_url: str | None) -> None:
    """Every phase, the credit office's data in office.db or at `database_url`."""
    if database_url is not None:
        from desktop_app.models.office_db import OfficeDatabase

        OfficeDatabase.connect(database_url, migrate=True).close()
    office = pc(
        "office", jurisdiction="柳州市", office_kind="credit_office", database_url=database_url
    )
    chief, _ = admin.first_start(
        office, jurisdiction="柳州市", department="市发展改革委", admin_name="admin",
        password=PASSWORD,
    )  # fmt: skip
    admin.new_office_key(office, chief)
    office_key.export_certificate(office.data_dir, DATA / "office.cer")
    office.close()

    department = pc("dept", jurisdiction="柳州市", department="市市场监管局")
    boss, _ = admin.first_start(
        department, jurisdiction="柳州市", department="市市场监管局", admin_name="admin",
        password=PASSWORD,
    )  # fmt: skip
    admin.trust_office(department, boss, DATA / "office.cer")
    signing.export_certificate(department.data_dir, DATA / "dept.cer")
    timer = Timer()
    with timer("fill_department"):
        fill(department, boss, args.records, args.listed)
    from desktop_app.services.feedback.export import export_feedback

    package = DATA / "反馈包.p7m"
    year = (date.today() - timedelta(days=366)).isoformat(), date.today().isoformat()
    with timer("export"):
        exported = export_feedback(
            department, boss, date_from=year[0], date_to=year[1], out=package
        )
    department.close()

    office = pc("office")
    chief = accounts.authenticate(office, "admin", PASSWORD)
    admin.trust_department(office, chief, DATA / "dept.cer")
    from desktop_app.services.feedback import city_report
    from desktop_app.services.feedback.office_import import import_package_file

    load_before = os.getloadavg()
    with timer("import"):
        imported = import_package_file(office, chief, package)
    with timer("import_again"):
        again = import_package_file(office, chief, package)
    with timer("report"):
        report = city_report.build_report(office, chief, date_from=year[0], date_to=year[1])
    with timer("pdf"):
        city_report.write_report(office, chief, report, pdf=DATA / "动态.pdf")
    with timer("xlsx"):
        city_report.write_report(office, chief, report, xlsx=DATA / "动态.xlsx")
    office.close()
    print(
        json.dumps(
            {
                "records": args.records,
                "measures": exported["measures"],
                "package_mb": round(package.stat().st_size / 2**20, 1),
                "new_versions": imported.new_versions,
                "already_imported": again.already_imported,
                "report_checks": report["totals"]["checks"],
                "report_measures": report["totals"]["measures"],
                "pdf_kb": (DATA / "动态.pdf").stat().st_size // 1024,
                "xlsx_kb": (DATA / "动态.xlsx").stat().st_size // 1024,
                "office": "postgresql" if database_url else "office.db",
                "office_db_mb": (
                    None
                    if database_url
                    else round((DATA / "office" / "data" / "office.db").stat().st_size / 2**20, 1)
                ),
                "phases": timer.phases,
                "load_average_before_import": load_before,
                "load_average_after": os.getloadavg(),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
