"""A batch check stored in office.db (SQLite) next to an office database on a local
PostgreSQL server: how long it checks, and how long it stores (the office write lock is
held meanwhile: on a server, other PCs' checks wait for it).

    .venv/bin/python bench/bench_batch_store.py [--rows 10000] [--repeat 2]

The data folder has the office's own copy of the demo debtors list (so that results are
conclusive); the file holds `--rows` subjects, names with valid resident IDs on no list
(checked by the batch's worker processes from 400 rows on). The server is a throw-away
cluster (tests/pg_cluster.py) with its durable defaults (fsync and synchronous commit on),
reached over its Unix socket. Prints JSON: per engine, the seconds of each run's check
phase and store phase (from the batch's progress), and the load average around it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import pg_cluster  # noqa: E402
from batch_support import (  # noqa: E402
    DEPARTMENT,
    JURISDICTION,
    screening_office,
    valid_id,
    write_csv,
)

from desktop_app.models.office_db import OfficeDatabase  # noqa: E402
from desktop_app.services import accounts  # noqa: E402
from desktop_app.services.screening import batch  # noqa: E402


def one_batch(folder: Path, rows: int) -> dict[str, float]:
    folder.mkdir(parents=True)
    ctx, users = screening_office(folder)
    path = write_csv(
        folder / "subjects.csv",
        ["名称", "证件号码"],
        [[f"申请人{n:05d}", valid_id(n)] for n in range(rows)],
    )
    marks: dict[str, float] = {}

    def progress(done: int, total: int) -> None:
        if done >= total // 2 and "checked" not in marks:
            marks["checked"] = time.perf_counter()

    started = time.perf_counter()
    result = batch.run_batch(ctx, users["zhang"], path, JURISDICTION, DEPARTMENT, progress=progress)
    ended = time.perf_counter()
    ctx.close()
    assert result["stored"] and result["counts"]["checked"] == rows
    return {
        "check_s": round(marks["checked"] - started, 2),
        "store_s": round(ended - marks["checked"], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="xyhc-bench-batch-store-"))
    os.environ["XYHC_SECRET_DIR"] = str(scratch / "secrets")
    os.environ["XYHC_CONFIG"] = str(scratch / "sqlite.toml")
    accounts.SCRYPT = accounts.ScryptParams(n=2**12, r=8, p=1)  # logins are not measured
    results: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, {platform.platform()}",
        "rows": args.rows,
        "load_before": list(os.getloadavg()),
    }
    cluster = Path(tempfile.mkdtemp(prefix="xyhc-bench-pg-"))  # handed to `postgres`
    try:
        results["sqlite"] = [one_batch(scratch / f"s{n}", args.rows) for n in range(args.repeat)]
        url = pg_cluster.start(cluster, durable=True)
        try:
            runs = []
            for n in range(args.repeat):
                # A fresh office database on the server for each run, as office.db is.
                schema = f"run{n}"
                with _admin(url) as admin:
                    admin.execute(f"CREATE SCHEMA {schema}")
                office_url = f"{url}&options=-csearch_path%3D{schema}"
                OfficeDatabase.connect(office_url, migrate=True).close()
                config = scratch / f"pg{n}.toml"
                config.write_text(f"database_url = {json.dumps(office_url)}\n", "utf-8")
                os.environ["XYHC_CONFIG"] = str(config)
                runs.append(one_batch(scratch / f"p{n}", args.rows))
            results["postgresql"] = runs
        finally:
            pg_cluster.stop(cluster)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results["load_after"] = list(os.getloadavg())
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


def _admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


if __name__ == "__main__":
    sys.exit(main())
