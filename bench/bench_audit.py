"""Storing check records and verifying the audit chain at an office's yearly volume.

    .venv/bin/python bench/bench_audit.py [--records 20000] [--measures 5]

Stores `--records` checks (each a record plus its audit entry, one transaction each, as the
CLI and the window do) into a fresh office.db under bench/data/, then gives every fifth record
a feedback version, and times `audit.verify_chain` over the whole log and every record
version; also the cost of one login (scrypt at the production parameters). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from office_helpers import check_result  # noqa: E402

from desktop_app.context import AppContext  # noqa: E402
from desktop_app.models.users_store import User  # noqa: E402
from desktop_app.services import accounts, audit, records  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--measures", type=int, default=5)
    args = parser.parse_args()

    data_dir = ROOT / "bench" / "data" / "audit"
    shutil.rmtree(data_dir, ignore_errors=True)
    ctx = AppContext(data_dir=data_dir)
    clerk = User(
        name="bench", display_name="基准", role="clerk", jurisdiction="柳州市",
        department="市市场监管局",
    )  # fmt: skip
    result = check_result(clerk, measures=args.measures)
    store_ms = []
    numbers = []
    for _ in range(args.records):
        start = time.perf_counter()
        numbers.append(records.record_check(ctx, clerk, result)["record_number"])
        store_ms.append((time.perf_counter() - start) * 1000)
    feedback_ms = []
    for number in numbers[::5]:
        start = time.perf_counter()
        records.add_feedback(ctx, clerk, number, [records.FeedbackInput("LZ-TEST-1", "applied")])
        feedback_ms.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    verified = audit.verify_chain(ctx)
    verify_s = time.perf_counter() - start
    ctx.close()
    stored = accounts.hash_password("bench-password-1")
    login_ms = []
    for _ in range(5):
        start = time.perf_counter()
        accounts.check_password("bench-password-1", stored)
        login_ms.append((time.perf_counter() - start) * 1000)
    size = sum(p.stat().st_size for p in data_dir.glob("office.db*"))
    print(
        json.dumps(
            {
                "records": args.records,
                "measures_per_record": args.measures,
                "record_check_ms": {
                    "p50": round(statistics.median(store_ms), 2),
                    "p95": round(percentile(store_ms, 0.95), 2),
                },
                "feedback_ms": {
                    "p50": round(statistics.median(feedback_ms), 2),
                    "p95": round(percentile(feedback_ms, 0.95), 2),
                },
                "verify_chain_s": round(verify_s, 2),
                "audit_entries": verified["entries"],
                "record_versions": verified["records"],
                "verified_ok": verified["ok"],
                "office_db_mb": round(size / 2**20, 1),
                "login_scrypt_ms_median": round(statistics.median(login_ms), 1),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
