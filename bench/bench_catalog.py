"""Benchmark the measure catalog: build, open, and the queries the window and checks make.

    .venv/bin/python bench/bench_catalog.py

Builds into bench/data/ (git-ignored), then times the committed-format catalog it built:
open + version, `measures()` for every department of every jurisdiction (canonical names,
aliases, with category and subject filters), `measure(id)`, and the failure path of an
unknown name (fuzzy suggestions). Prints a Markdown table for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop_app import paths  # noqa: E402
from desktop_app.errors import UnknownNameError  # noqa: E402
from desktop_app.models.catalog import Catalog  # noqa: E402
from desktop_app.models.catalog_build import build  # noqa: E402


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of each of `repeat` calls."""
    found = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        found.append((time.perf_counter() - start) * 1000)
    return found


def row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    median = statistics.median(samples)
    return f"| {name} | {len(samples)} | {median:.2f} | {p95:.2f} | {ordered[-1]:.2f} |"


def main() -> None:
    output = ROOT / "bench" / "data" / "measures.db"
    lines = ["| what | n | median ms | p95 ms | max ms |", "|---|---|---|---|---|"]
    lines.append(
        row(
            "catalog build (3 sources → measures.db)",
            timed(lambda: build(paths.sources_dir(), output), 3),
        )
    )

    def open_and_version() -> None:
        with Catalog.open(output) as catalog:
            assert catalog.version

    lines.append(row("Catalog.open + version + close", timed(open_and_version, 200)))

    catalog = Catalog.open(output)
    departments = catalog.departments()
    samples: list[float] = []
    for department in departments:
        jurisdiction, name = department["jurisdiction"], department["name"]
        samples += timed(lambda j=jurisdiction, d=name: catalog.measures(j, d), 5)
    largest = max(departments, key=lambda d: d["measure_count"])
    lines.append(row(f"measures(J, D), every department ({len(departments)})", samples))
    lines.append(
        row(
            f"measures(J, D), largest: {largest['name']} ({largest['measure_count']} rows)",
            timed(lambda: catalog.measures(largest["jurisdiction"], largest["name"]), 50),
        )
    )

    aliases = [
        ("柳州", "市场监督管理局"),
        ("广西壮族自治区柳州市", "住建局"),
        ("内蒙古", "住建厅"),
        ("昆山", "法院"),
    ]
    lines.append(
        row(
            "4 × measures(alias J, alias D): 223 + 90 + 185 + 12 rows",
            timed(lambda: [catalog.measures(j, d) for j, d in aliases], 100),
        )
    )
    lines.append(
        row(
            "measures(J, D, category spelling, subject_type=person)",
            timed(
                lambda: catalog.measures(
                    "柳州", "市财政局", "知识产权(专利)领域严重违法失信主体", "person"
                ),
                200,
            ),
        )
    )
    ids = [m["id"] for m in catalog.measures("柳州", "市市场监管局")]
    lines.append(row("50 × measure(id)", timed(lambda: [catalog.measure(i) for i in ids[:50]], 20)))

    def unknown() -> None:
        with contextlib.suppress(UnknownNameError):
            catalog.resolve_department("柳州", "市公按局")

    lines.append(
        row("unknown department → suggestions (first call builds the pool)", timed(unknown, 50))
    )
    catalog.close()
    print("\n".join(lines))
    print(f"\ncatalog file: {output.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
