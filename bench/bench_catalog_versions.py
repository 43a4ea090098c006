"""Benchmark catalog versions, search and import, and what versions cost a check.

    .venv/bin/python bench/bench_catalog_versions.py [--checks 500]

Works in bench/data/catalog_versions/ (git-ignored, remade each run):

1. full-text search (`Catalog.search`) on the committed catalog: the issue's example
   phrases, a one- and two-character query (plain scan), several words, article numbers;
   and through `CatalogVersions.search` over every jurisdiction's version in force;
2. a catalog import of 市市场监管局's revised list (223 measures, the 柳州 layout): dry run
   and write, the diff of the two versions, opening `CatalogVersions` with versions;
3. `run_check` end to end for resident IDs (listed, with the department's measures, and not
   listed) on the bundled demo lists, once with the bundled catalog alone (`Catalog`) and
   once with `CatalogVersions` holding two imported versions of 柳州 (the version in force
   chosen by date on every check).

Prints Markdown tables for docs/BENCHMARKS.md, with the machine's load before and after.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from catalog_support import department_rows, revised_market_rows, write_csv  # noqa: E402

from desktop_app import paths  # noqa: E402
from desktop_app.models.catalog import Catalog  # noqa: E402
from desktop_app.models.catalog_versions import CatalogVersions  # noqa: E402
from desktop_app.models.lists_store import ListStore  # noqa: E402
from desktop_app.services.catalog.catalog_import import import_catalog  # noqa: E402
from desktop_app.services.catalog.diff import diff_catalogs  # noqa: E402
from desktop_app.services.lists.session import import_list  # noqa: E402
from desktop_app.services.screening.check import run_check  # noqa: E402

WORK = ROOT / "bench" / "data" / "catalog_versions"
LISTED = "450202198501019919"  # 韦小宝 of the demo lists
NOT_LISTED = "450202199001011237"


CPU: list[float] = []  # the CPU times of the last `timed` call


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock ms of each call; their CPU ms go to `CPU` (the machine is shared: the CPU
    time is what the work costs, the wall time what a user waited under that load)."""
    found = []
    CPU.clear()
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        action()
        found.append((time.perf_counter() - start) * 1000)
        CPU.append((time.process_time() - cpu) * 1000)
    return found


def cpu_columns() -> str:
    ordered = sorted(CPU)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return f" {statistics.median(CPU):.2f} | {p95:.2f} |"


def row(name: str, samples: list[float], extra: str = "") -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return (
        f"| {name} | {len(samples)} | {statistics.median(samples):.2f} | {p95:.2f} | "
        f"{ordered[-1]:.2f} |{extra}"
    )


def header(extra: str = "") -> list[str]:
    return [
        f"| what | n | median ms | p95 ms | max ms |{extra}",
        "|---|---|---|---|---|" + "---|" * extra.count("|"),
    ]


def search_table() -> list[str]:
    lines = ["### Search", "", *header(" CPU median ms | CPU p95 ms | results |")]
    catalog = Catalog.open(paths.catalog_path())
    lines.append(
        row(
            "first search of a process (reads every measure once)",
            timed(lambda: catalog.search("政府采购"), 1),
            " |",
        )
    )
    queries = [
        ("政府采购", None),
        ("招标投标", None),
        ("限制乘坐", None),
        ("乘坐", None),
        ("政", None),
        ("限制 乘坐", None),
        ("政府采购 特许经营", None),
        ("2016版", None),
        ("政府采购", "柳州"),
        ("招标投标", "内蒙古"),
    ]
    for query, jurisdiction in queries:
        found = catalog.search(query, jurisdiction)
        where = f", {jurisdiction}" if jurisdiction else ""
        samples = timed(lambda q=query, j=jurisdiction: catalog.search(q, j), 200)
        lines.append(
            row(
                f"search “{query}”{where} ({found['method']})",
                samples,
                cpu_columns() + f" {found['count']} in {len(found['groups'])} departments |",
            )
        )
    catalog.close()
    return lines


def versions_table(folder: Path) -> tuple[list[str], Path]:
    lines = ["### Import, diff, versions", "", *header()]
    data = folder / "office"
    catalogs = CatalogVersions.open(paths.catalog_path(), data)
    revised = write_csv(folder / "revised.csv", revised_market_rows(catalogs.base))
    lines.append(
        row(
            "catalog import --dry-run: 市市场监管局's revised list (223 measures)",
            timed(lambda: import_catalog(catalogs, revised, "柳州", "2025-07-01", dry_run=True), 5),
        )
    )
    lines.append(
        row(
            "catalog import: the same, written as version 2",
            timed(lambda: import_catalog(catalogs, revised, "柳州", "2025-07-01"), 1),
        )
    )
    police = department_rows(catalogs.base, "柳州市", "市公安局", lambda m: m["text"] + "。")
    later = write_csv(folder / "police.csv", police)
    import_catalog(catalogs, later, "柳州", "2025-09-01")
    one, two = catalogs.of_version("柳州", 1), catalogs.of_version("柳州", 2)
    lines.append(
        row(
            "diff of 柳州 version 1 and 2 (2,948 measures)",
            timed(lambda: diff_catalogs(one, two, "柳州"), 10),
        )
    )
    lines.append(
        row(
            "CatalogVersions.open with 2 versions + in_force + close",
            timed(lambda: CatalogVersions.open(paths.catalog_path(), data).close(), 50),
        )
    )
    lines.append(
        row(
            "in_force(J, date) (registry stat, date lookup)",
            timed(lambda: catalogs.in_force("柳州", "2025-08-01"), 2000),
        )
    )
    catalogs.close()
    return lines, data


def checks_table(folder: Path, data: Path, count: int) -> list[str]:
    lines = [
        "### What versions cost a check (`run_check`, demo lists)",
        "",
        *header(" CPU median ms | CPU p95 ms |"),
    ]
    store = ListStore.open(folder / "lists.db")
    demo = paths.resources_dir() / "demo"
    plain = Catalog.open(paths.catalog_path())
    import_list(store, demo / "dishonest_debtors.csv", "失信被执行人", catalog=plain)
    versions = CatalogVersions.open(paths.catalog_path(), data)
    cases = [
        ("bundled Catalog", plain, "2025-08-01"),
        ("CatalogVersions, 2 versions, version 2 in force", versions, "2025-08-01"),
        ("CatalogVersions, 2 versions, version 1 in force", versions, "2025-06-01"),
    ]
    for label, catalog, as_of in cases:
        for query, what in ((LISTED, "ID listed"), (NOT_LISTED, "ID not listed")):
            result = run_check(catalog, store, query, "柳州", "市场监管局", as_of=as_of)
            samples = timed(
                lambda c=catalog, q=query, a=as_of: run_check(
                    c, store, q, "柳州", "市场监管局", as_of=a
                ),
                count,
            )
            lines.append(
                row(
                    f"{label}: {what} ({len(result.measures)} measures, "
                    f"{result.data_versions['catalog_version']['label']})",
                    samples,
                    cpu_columns(),
                )
            )
    store.close()
    plain.close()
    versions.close()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=500)
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    before = os.getloadavg()
    lines = [*search_table(), ""]
    more, data = versions_table(WORK)
    lines += [*more, ""]
    lines += checks_table(WORK, data, args.checks)
    after = os.getloadavg()
    print(
        f"Machine: {os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; load average "
        f"{before[0]:.1f} before, {after[0]:.1f} after.\n"
    )
    print("\n".join(lines))
    size = sum(p.stat().st_size for p in (data / "catalog" / "versions").glob("*.db"))
    print(f"\nversion files: {size / 1e6:.1f} MB for 2 versions of 柳州")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
