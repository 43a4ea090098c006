"""Write a large synthetic 失信被执行人 list (UTF-8 CSV, standard 22-field layout).

    .venv/bin/python bench/make_big_list.py [--rows 10000000] [--out bench/data/big_list.csv]
        [--seed 1] [--workers 2]

Rows come from `desktop_app.services.lists.demo_data.bulk_rows` in chunks made by worker
processes and written in order, so memory stays flat and the file is the same for a given
seed, row count and chunk size whatever the number of workers. Everything is synthetic
(see that module). The output goes to `bench/data/`, which git ignores.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.services.lists.demo_data import STANDARD_FIELDS, bulk_rows

CHUNK = 50_000
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "big_list.csv"


def make_chunk(job: tuple[int, int, int]) -> str:
    """CSV text of one chunk: (chunk index, rows, seed)."""
    index, rows, seed = job
    buffer = io.StringIO()
    csv.writer(buffer).writerows(bulk_rows(rows, seed * 100_003 + index, index * CHUNK + 1))
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    jobs = [
        (index, min(CHUNK, args.rows - index * CHUNK), args.seed)
        for index in range((args.rows + CHUNK - 1) // CHUNK)
    ]
    started = time.perf_counter()
    partial = args.out.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(STANDARD_FIELDS)
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            for done, text in enumerate(pool.map(make_chunk, jobs), start=1):
                handle.write(text)
                if done % 20 == 0 or done == len(jobs):
                    elapsed = time.perf_counter() - started
                    rows = min(done * CHUNK, args.rows)
                    print(f"{rows:>11,} rows  {elapsed:7.1f} s  {rows / elapsed:9,.0f} rows/s")
    partial.replace(args.out)
    elapsed = time.perf_counter() - started
    size = args.out.stat().st_size
    print(
        f"wrote {args.out} ({size / 2**30:.2f} GiB, {args.rows:,} rows) in {elapsed:.1f} s "
        f"with {args.workers} worker(s): {args.rows / elapsed:,.0f} rows/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
