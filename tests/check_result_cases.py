"""Checks whose JSON is pinned in `data/check_result_golden.json`: the JSON of `run_check`
as it was while results were dicts (listed, not listed, invalid, possible, related, masked,
revoked, organisation codes, demo lists only, no lists at all).

`stable(json)` leaves out what changes from run to run or with the catalog's content (the
time of the check, import times, content hashes, the measures' texts): what is compared is
every field, its order, and the measures by id and the hits they are tied to.

Regenerate (only when the JSON of a check is meant to change):
    .venv/bin/python tests/check_result_cases.py --write
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop_app import paths  # noqa: E402
from desktop_app.models.catalog import Catalog  # noqa: E402
from desktop_app.models.lists_store import ListStore  # noqa: E402
from desktop_app.services.lists.session import import_list  # noqa: E402

GOLDEN = Path(__file__).parent / "data" / "check_result_golden.json"
AS_OF = "2026-03-01"
J, D = "柳州市", "市市场监管局"
DEMO_FILES = (
    ("dishonest_debtors.csv", "失信被执行人"),
    ("tax_violations.csv", "重大税收违法案件当事人"),
)

# (case, lists: office | demo | none, query, name)
CASES: tuple[tuple[str, str, str, str | None], ...] = (
    ("listed_id", "office", "450202198501019919", None),
    ("listed_name_with_related", "office", "韦小宝", None),
    ("not_listed_id", "office", "110101199003074274", None),
    ("not_listed_name", "office", "欧阳明月", None),
    ("invalid_check_digit", "office", "450202198501019918", None),
    ("invalid_short_name", "office", "黄", None),
    ("possible_homophone", "office", "黄荣", None),
    ("uscc_listed", "office", "91450202MAQGJUTF10", None),
    ("org_code_listed", "office", "MAQGJUTF1", None),
    ("masked_with_name", "office", "450205198703159919", "令狐冲"),
    ("masked_id_alone", "office", "450205198703159919", None),
    ("id_ending_with_000", "office", "450202198001013000", None),
    ("name_differs", "office", "450202198501019919", "韦大宝"),
    ("revoked_history", "office", "450203199005209933", None),
    ("name_and_id_pasted", "office", "韦小宝\t450202198501019919", None),
    ("demo_lists_only", "demo", "450202198501019919", None),
    ("no_lists", "none", "450202198501019919", None),
    ("no_lists_invalid", "none", "450202198501019918", None),
)


def stores(folder: Path, catalog: Any) -> dict[str, ListStore]:
    """The three list stores the cases run against (office copies, demo files, empty)."""
    from lists_support import demo_dir, office_copy

    opened = {}
    for kind in ("office", "demo", "none"):
        store = ListStore.open(folder / f"{kind}.db")
        for name, category in DEMO_FILES if kind != "none" else ():
            source = office_copy(name, folder) if kind == "office" else demo_dir() / name
            import_list(store, source, category, catalog=catalog)
        opened[kind] = store
    return opened


def stable(result: dict[str, Any]) -> dict[str, Any]:
    """The result without what changes from run to run or with the catalog's texts."""
    shown = dict(result)
    shown["checked_at"] = "<time>" if result["checked_at"] else None
    versions = dict(result["data_versions"])
    versions["catalog"] = "<hash>"
    info = dict(versions["catalog_version"])
    info["content_hash"] = info["source_sha256"] = "<hash>"
    versions["catalog_version"] = info
    versions["lists"] = [
        {**item, "imported_at": "<time>", "sha256": "<hash>"} for item in versions["lists"]
    ]
    shown["data_versions"] = versions
    shown["measures"] = [
        {"id": m["id"], "hit_id": m["hit_id"], "hit_ids": m["hit_ids"], "keys": list(m)}
        for m in result["measures"]
    ]
    shown["keys"] = list(result)
    return shown


def results(run: Any) -> dict[str, Any]:
    """`stable(json)` of every case; `run(catalog, store, query, name)` gives the JSON."""
    catalog = Catalog.open(paths.catalog_path())
    with tempfile.TemporaryDirectory() as folder:
        opened = stores(Path(folder), catalog)
        try:
            return {
                case: stable(run(catalog, opened[lists], query, name))
                for case, lists, query, name in CASES
            }
        finally:
            for store in opened.values():
                store.close()
            catalog.close()


def as_json(catalog: Any, store: ListStore, query: str, name: str | None) -> dict[str, Any]:
    from desktop_app.services.screening.check import run_check

    result = run_check(catalog, store, query, J, D, name=name, as_of=AS_OF)
    return result.to_json() if hasattr(result, "to_json") else result


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    sys.path.insert(0, str(Path(__file__).parent))
    GOLDEN.parent.mkdir(exist_ok=True)
    data = results(as_json)
    GOLDEN.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN} ({len(data)} cases)")
