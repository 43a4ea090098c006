"""Render and sign one check record: median and p95 (target under 300 ms).

    .venv/bin/python bench/bench_sign.py [--runs 50] [--measures 5]

Each run renders the specimen record (`record_pdf.specimen_record`, a listed subject with
`--measures` measures) and signs it with the department key, as `records print` does. The key
is created and unlocked once (in a temporary data folder, never a real one), as in a session
of the window. Reported separately: the first run (imports, font parsing), render alone, sign
alone, verify, and a 50-measure record.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _timed(function: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each run (CPU time is what this process itself
    used: on a shared machine the wall clock also counts waiting for a core)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def _p95(times: list[float]) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def _summary(name: str, measured: tuple[list[float], list[float]]) -> str:
    wall, cpu = measured
    return (
        f"| {name} | {len(wall)} | {statistics.median(wall):.1f} | {_p95(wall):.1f} "
        f"| {statistics.median(cpu):.1f} | {_p95(cpu):.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--measures", type=int, default=5)
    args = parser.parse_args()

    load = f"{os.getloadavg()[0]:.1f}"
    with tempfile.TemporaryDirectory() as folder:
        os.environ["XYHC_SECRET_DIR"] = str(Path(folder) / "secrets")
        start = time.perf_counter()
        from desktop_app.services.records import record_pdf, signing

        record = record_pdf.specimen_record(measure_count=args.measures)
        identity = signing.ensure_department_identity(
            Path(folder) / "data", "昆山市", "市市场监督管理局"
        )
        pdf = record_pdf.print_check_record(record, identity)
        first = (time.perf_counter() - start) * 1000
        trusted = signing.trusted_certificates(Path(folder) / "data")
        unsigned = record_pdf.render_check_record(record)
        big = record_pdf.specimen_record(measure_count=50)

        rows = [
            _summary(
                f"render + sign ({args.measures} measures)",
                _timed(lambda: record_pdf.print_check_record(record, identity), args.runs),
            ),
            _summary(
                "render only", _timed(lambda: record_pdf.render_check_record(record), args.runs)
            ),
            _summary("sign only", _timed(lambda: signing.sign_pdf(unsigned, identity), args.runs)),
            _summary("verify", _timed(lambda: signing.verify_pdf(pdf, trusted), args.runs)),
            _summary(
                "render + sign (50 measures)",
                _timed(
                    lambda: record_pdf.print_check_record(big, identity), max(5, args.runs // 5)
                ),
            ),
        ]

    print(
        f"machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    print(
        f"command: .venv/bin/python bench/bench_sign.py --runs {args.runs} "
        f"--measures {args.measures}"
    )
    print(
        f"first record of a process (imports, font, key): {first:.0f} ms; "
        f"signed PDF {len(pdf) / 1024:.0f} KiB"
    )
    print(f"load average before: {load}, after: {os.getloadavg()[0]:.1f}")
    print("| step | runs | wall median ms | wall p95 ms | CPU median ms | CPU p95 ms |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
