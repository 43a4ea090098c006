"""Per-row cost of the identifier and name functions a list import calls.

    .venv/bin/python bench/bench_normalize.py [--rows 200000] [--seed 7]

Rows come from `demo_data.bulk_rows` (a synthetic national 失信被执行人 list: ~70 % persons
with realistic repeats of common names, ~30 % companies). For each function: the cost per
row in file order starting from empty caches (what an import sees, since the name functions
keep an LRU cache and lists repeat names), and the cost with caching bypassed (every call
computes). Plus `similarity` per (query, candidate) pair of names sharing a fuzzy key,
which is what a name check scores, and the whole work of a list import's worker on a row
(`ChunkProcessor.process`: every cell cleaned, identifier, name, dates, stored fields, row
hash and fuzzy keys) in chunks of 1,000 rows from a fresh processor.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.models import identifiers, names
from desktop_app.models.name_similarity import similarity as name_similarity
from desktop_app.services.lists.demo_data import STANDARD_FIELDS, bulk_rows
from desktop_app.services.lists.header import Columns
from desktop_app.services.lists.rows import ChunkProcessor

ID = STANDARD_FIELDS.index("身份证号码/组织机构代码")
NAME = STANDARD_FIELDS.index("失信被执行人姓名/名称")


def clear_caches() -> None:
    names.normalize_name.cache_clear()
    names.name_parts.cache_clear()
    names._keys.cache_clear()


def per_row(function: Callable[[Any], Any], values: Sequence[Any]) -> float:
    """CPU microseconds per call over `values`.

    CPU time rather than wall time: the machines this runs on are shared with other jobs,
    which stretch wall time but not the CPU time the work itself needs.
    """
    started = time.process_time()
    for value in values:
        function(value)
    return (time.process_time() - started) / len(values) * 1e6


def candidate_pairs(subject_names: list[str], limit: int = 20_000) -> list[tuple[str, str]]:
    """(query, candidate) pairs as a check meets them: names that share a fuzzy key."""
    by_key: dict[str, list[str]] = {}
    for name in dict.fromkeys(subject_names):
        for key in names.fuzzy_keys(name):
            by_key.setdefault(key, []).append(name)
    pairs = []
    for name in subject_names:
        for key in names.fuzzy_keys(name):
            pairs.extend((name, other) for other in by_key[key][:3] if other != name)
        if len(pairs) >= limit:
            break
    return pairs[:limit]


def whole_rows(rows: list[list[str]], chunk: int = 1000) -> float:
    """CPU microseconds per row of `ChunkProcessor.process` (what an import's worker does)."""
    columns = Columns(1, {name: i for i, name in enumerate(STANDARD_FIELDS)}, list(STANDARD_FIELDS))
    processor = ChunkProcessor(columns, STANDARD_FIELDS, text_cells=True, today="2026-01-01")
    processor.process(2, [list(rows[0])])  # one-off tables outside the timing
    processor = ChunkProcessor(columns, STANDARD_FIELDS, text_cells=True, today="2026-01-01")
    copies = [list(row) for row in rows]
    started = time.process_time()
    for first in range(0, len(copies), chunk):
        processor.process(first + 2, copies[first : first + chunk])
    return (time.process_time() - started) / len(rows) * 1e6


def uncached_fuzzy_keys(text: str) -> list[str]:
    parts = names.name_parts.__wrapped__(text)
    return list(names._keys.__wrapped__(parts.core, parts.is_organization))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rows = list(bulk_rows(args.rows, args.seed))
    ids = [row[ID] for row in rows]
    subject_names = [row[NAME] for row in rows]
    # Warm the one-off tables (OpenCC, pinyin, place names, area codes) outside the timing.
    names.fuzzy_keys("柳州市鑫源贸易有限公司")
    identifiers.normalize_id_cell(ids[0])

    results = [("normalize_id_cell", per_row(identifiers.normalize_id_cell, ids), None)]
    functions: list[tuple[str, Callable[[str], Any], Callable[[str], Any]]] = [
        ("normalize_name", names.normalize_name, names.normalize_name.__wrapped__),
        ("name_parts", names.name_parts, names.name_parts.__wrapped__),
        ("fuzzy_keys", names.fuzzy_keys, uncached_fuzzy_keys),
    ]
    for label, cached, uncached in functions:
        clear_caches()
        in_order = per_row(cached, subject_names)
        results.append((label, in_order, per_row(uncached, subject_names)))
    clear_caches()
    # The whole per-row name work of an import: display form, matching form, parts, keys.
    results.append(
        (
            "all name work of one row",
            per_row(
                lambda n: (
                    names.clean_display(n),
                    names.normalize_name(n),
                    names.name_parts(n),
                    names.fuzzy_keys(n),
                ),
                subject_names,
            ),
            None,
        )
    )
    similarity = per_row(lambda pair: name_similarity(*pair), candidate_pairs(subject_names))
    clear_caches()
    whole = whole_rows(rows)

    distinct_names = list(dict.fromkeys(subject_names))
    distinct = len(distinct_names)
    # How big the near-miss index gets: keys per row, and the largest buckets counted in
    # distinct names (a store filing keys by distinct name or core sees these).
    keys_per_row = sum(len(names.fuzzy_keys(n)) for n in subject_names) / len(subject_names)
    buckets: dict[str, int] = {}
    for name in distinct_names:
        for key in names.fuzzy_keys(name):
            buckets[key] = buckets.get(key, 0) + 1
    largest = sorted(buckets.items(), key=lambda item: -item[1])[:5]
    print(f"machine: {platform.platform()}, Python {platform.python_version()}")
    print(f"rows: {len(rows):,} ({distinct:,} distinct names), seed {args.seed}")
    print("CPU time per call")
    print(f"{'function':<26}{'µs/row (import order)':>24}{'µs/row (no cache)':>20}")
    for label, in_order, uncached in results:
        nocache = f"{uncached:.2f}" if uncached is not None else "—"
        print(f"{label:<26}{in_order:>24.2f}{nocache:>20}")
    print(f"{'similarity (per pair)':<26}{similarity:>24.2f}{'—':>20}")
    print(f"{'whole row (worker)':<26}{whole:>24.2f}{'—':>20}")
    print(f"fuzzy keys per row: {keys_per_row:.2f}; distinct keys: {len(buckets):,}")
    print("largest buckets (distinct names): " + ", ".join(f"{k} {v}" for k, v in largest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
