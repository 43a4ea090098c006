"""What the one-off lists.db migration of the text rule (schema 6) costs on a large list.

    .venv/bin/python bench/bench_text_migration.py [--rows 1000000] [--touched 0.01]

Builds a lists.db at schema 5 (as the program before the rule left it) with `--rows`
listings named as `demo_data.bulk_rows` names them, a share `--touched` of them stored the
old way with an invisible character or a stray accent in the name (what the migration makes
again), then opens it with `ListStore` (which migrates) and reports the time and how many
matching forms changed.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.models import db, identifiers, lists_store
from desktop_app.services.lists.demo_data import STANDARD_FIELDS, bulk_rows

NAME = STANDARD_FIELDS.index("失信被执行人姓名/名称")


def build(path: Path, rows: int, touched: float) -> int:
    conn = db.connect(path)
    conn.create_function("masked_lookup_key", 1, identifiers.masked_lookup_key)
    db.migrate(conn, "lists", lists_store.MIGRATIONS[:5])
    conn.execute("INSERT INTO lists (id, name, category, created_at) VALUES (1, '甲', '乙', 'x')")
    conn.execute(
        "INSERT INTO list_versions (id, list_id, version_no, file_name, sha256, imported_at,"
        " field_names) VALUES (1, 1, 1, 'a.csv', 'h', 'x', '[]')"
    )
    rng = random.Random(3)
    changed = 0

    def listings():
        nonlocal changed
        for number, row in enumerate(bulk_rows(rows, 7)):
            name = unicodedata.normalize("NFKC", row[NAME])  # the old display form
            if rng.random() < touched:
                at = rng.randrange(1, len(name) + 1)
                name = name[:at] + rng.choice(("\u200f", "\u2066", "\u0301", "\ufe0f")) + name[at:]
                changed += 1
            # The old rule's matching form kept these characters: stored as the name itself.
            yield (f"K{number}", name, name)

    conn.executemany(
        "INSERT INTO listings (list_id, record_key, name, name_norm, subject_type, id_kind,"
        " source_row, row_hash, formula_flag, fields, added_version_id)"
        " VALUES (1, ?, ?, ?, 'person', 'empty', 2, 0, 0, '', 1)",
        listings(),
    )
    conn.commit()
    conn.close()
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--touched", type=float, default=0.01)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lists.db"
        started = time.perf_counter()
        touched = build(path, args.rows, args.touched)
        built = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        store = lists_store.ListStore.open(path)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        remade = store.conn.execute(
            "SELECT count(*) FROM listings WHERE name_norm <> name"
        ).fetchone()[0]
        store.close()
    print(f"machine: {platform.platform()}, Python {platform.python_version()}")
    print(f"listings: {args.rows:,} (built in {built:.1f} s), stored the old way: {touched:,}")
    print(
        f"migration: {seconds:.1f} s wall, {cpu_seconds:.1f} s CPU;"
        f" matching forms made again: {remade:,}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
