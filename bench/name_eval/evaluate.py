"""Name matching measured on the labelled set: precision, recall and F1 at the threshold,
overall, per tier, per subject kind and per pattern, and the decisions pair by pair.

    .venv/bin/python bench/name_eval/evaluate.py [--json] [--misses]
        [--update-baseline] [--distractors 3000] [--pairs FILE]

Every pair goes through the real path: the listed names (with their former names, in a
曾用名 column or written `（原名：…）` in the name cell) and `--distractors` synthetic
listings of `demo_data.bulk_rows` are imported into a new lists.db by `import_list`, then
each query is checked by `run_check` as the CLI runs it. A pair's decision is what the
check says of the pair's listing: `listed` (a hit), `related` (shown beside the hits, as a
branch is), `possible` (offered to the clerk) or `none`.

Counted as found: listed or possible. Recall is over the must and should pairs, precision
over everything found (a must-not pair found is a false positive; a branch shown as related
is not found). The targets of issue 13: recall ≥ 95 %, no must-not pair listed, possible
matches for ≤ 10 % of the must-not organisation pairs.

`--update-baseline` writes `baseline.csv` (pair → decision): `tests/test_name_eval.py` fails
when a decision differs from it, until it is written again on purpose.

`--pairs FILE` evaluates another set in the same columns (an extra `note` column is shown
with `--misses`), such as `heldout.csv`, the blind set written without reading the matcher.
The baseline belongs to `pairs.csv` alone: `--update-baseline` refuses another file, so a
held-out set never becomes something the matcher is tuned to.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from desktop_app import paths  # noqa: E402
from desktop_app.models import names  # noqa: E402
from desktop_app.models.catalog import Catalog  # noqa: E402
from desktop_app.models.lists_store import ListStore  # noqa: E402
from desktop_app.models.name_similarity import similarity  # noqa: E402
from desktop_app.models.record_types import hit_role  # noqa: E402
from desktop_app.services.lists.demo_data import STANDARD_FIELDS, bulk_rows  # noqa: E402
from desktop_app.services.lists.session import import_list  # noqa: E402
from desktop_app.services.screening.check import run_check  # noqa: E402

HERE = Path(__file__).resolve().parent
PAIRS = HERE / "pairs.csv"
BASELINE = HERE / "baseline.csv"
FORMER_COLUMN = "曾用名"
AS_OF = "2026-03-01"
JURISDICTION, DEPARTMENT = "柳州市", "市市场监管局"
FOUND = ("listed", "possible")
SCORELESS_PATTERNS = ("former_name_column", "former_name_cell", "branch")


def read_pairs(path: Path = PAIRS) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_baseline(path: Path = BASELINE) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["pair_id"]: row["decision"] for row in csv.DictReader(handle)}


def _list_file(pairs: list[dict[str, str]], distractors: int, folder: Path) -> Path:
    """The list file: one row per distinct listed name (and former name), then distractors."""
    path = folder / "eval_list.csv"
    header = [*STANDARD_FIELDS, FORMER_COLUMN]
    at = {name: i for i, name in enumerate(header)}
    seen: set[tuple[str, str]] = set()
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for pair in pairs:
            key = (pair["listed"], pair["former"])
            if key in seen:
                continue
            seen.add(key)
            row = [""] * len(header)
            row[at["信息唯一标识"]] = listing_key(pair)
            row[at["失信被执行人姓名/名称"]] = pair["listed"]
            row[at["标识自然人或企业法人"]] = (
                "自然人" if pair["subject"] == "person" else "企业法人"
            )
            row[at["发布时间"]] = "2020-01-02"
            row[at[FORMER_COLUMN]] = pair["former"]
            writer.writerow(row)
        for row in bulk_rows(distractors, seed=7):
            writer.writerow([*row, ""])
    return path


def listing_key(pair: dict[str, str]) -> str:
    """The 信息唯一标识 of a pair's listing (one listing per listed name and former name)."""
    return f"EVAL|{pair['listed']}|{pair['former']}"


def decide(result: dict[str, Any], listing_id: int) -> tuple[str, float | None]:
    """What a check result says of one listing, and the score it was offered with."""
    for hit in result["hits"]:
        if hit["hit_id"] == listing_id:
            role = hit_role(hit)
            return ("listed" if role == "hit" else role), None
    for entry in result["possible"]:
        if entry["hit_id"] == listing_id:
            return "possible", entry["score"]
    return "none", None


def run(pairs: list[dict[str, str]], distractors: int = 3000) -> list[dict[str, Any]]:
    """Each pair with its `decision` and `score` (what the check offered), and the pairwise
    `similarity` of its two names."""
    catalog = Catalog.open(paths.catalog_path())
    with tempfile.TemporaryDirectory() as folder:
        store = ListStore.open(Path(folder) / "lists.db")
        try:
            report = import_list(
                store,
                _list_file(pairs, distractors, Path(folder)),
                "失信被执行人",
                catalog=catalog,
            )
            if report.rejected:
                raise SystemExit(f"the evaluation list lost {report.rejected} rows on import")
            ids = dict(
                store.conn.execute(
                    "SELECT record_key, id FROM listings WHERE record_key LIKE 'EVAL|%'"
                ).fetchall()
            )
            decided = []
            for pair in pairs:
                result = run_check(
                    catalog, store, pair["query"], JURISDICTION, DEPARTMENT, as_of=AS_OF
                ).to_json()
                decision, score = decide(result, ids[listing_key(pair)])
                listed_name = pair["listed"].split("（原名：")[0]
                decided.append(
                    {
                        **pair,
                        "decision": decision,
                        "score": score,
                        "similarity": similarity(pair["query"], listed_name).score,
                    }
                )
            return decided
        finally:
            store.close()
            catalog.close()


def _rates(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    rows = list(rows)
    positives = [r for r in rows if r["tier"] != "must_not"]
    negatives = [r for r in rows if r["tier"] == "must_not"]
    true_found = sum(1 for r in positives if r["decision"] in FOUND)
    false_found = sum(1 for r in negatives if r["decision"] in FOUND)
    recall = true_found / len(positives) if positives else None
    found = true_found + false_found
    precision = true_found / found if found else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    return {
        "pairs": len(rows),
        "positives": len(positives),
        "negatives": len(negatives),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "negatives_listed": sum(1 for r in negatives if r["decision"] == "listed"),
        "negatives_offered": sum(1 for r in negatives if r["decision"] == "possible"),
        "decisions": dict(Counter(r["decision"] for r in rows)),
    }


def summary(decided: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures overall, per tier, per subject and per (subject, pattern), and a calibration
    table: the pairs by pairwise similarity band, with the share of same-subject pairs
    (former names and branches left out: the score does not decide them)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in decided:
        groups[f"{row['subject']} · {row['pattern']} · {row['tier']}"].append(row)
    bands: dict[str, list[dict[str, Any]]] = defaultdict(list)
    # Former names and branches are decided by a lookup and by the legal form's branch part,
    # not by the score: left out of the calibration table.
    for row in (r for r in decided if r["pattern"] not in SCORELESS_PATTERNS):
        low = min(int(row["similarity"] // 10) * 10, 90)
        bands[f"{low}–{low + 10}"].append(row)
    org_negatives = [
        r for r in decided if r["tier"] == "must_not" and r["subject"] == "organization"
    ]
    return {
        "threshold": names.POSSIBLE_MATCH_THRESHOLD,
        "overall": _rates(decided),
        "tiers": {
            t: _rates(r for r in decided if r["tier"] == t) for t in ("must", "should", "must_not")
        },
        "subjects": {
            s: _rates(r for r in decided if r["subject"] == s) for s in ("person", "organization")
        },
        "patterns": {key: _rates(rows) for key, rows in sorted(groups.items())},
        "org_negatives_offered_share": (
            sum(1 for r in org_negatives if r["decision"] == "possible") / len(org_negatives)
            if org_negatives
            else None
        ),
        "calibration": {
            band: {
                "pairs": len(rows),
                "same_subject": sum(1 for r in rows if r["tier"] != "must_not"),
                "share_same": round(sum(1 for r in rows if r["tier"] != "must_not") / len(rows), 3),
            }
            for band, rows in sorted(bands.items(), key=lambda b: int(b[0].split("–")[0]))
        },
    }


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def table(figures: dict[str, Any]) -> str:
    """The figures as Markdown tables (what docs/BENCHMARKS.md shows)."""
    lines = [
        f"Threshold {figures['threshold']:g}. Found = listed or offered as a possible match.",
        "",
        "| set | pairs | precision | recall | F1 | must-not listed | must-not offered |",
        "|---|---|---|---|---|---|---|",
    ]

    def line(label: str, r: dict[str, Any]) -> str:
        return (
            f"| {label} | {r['pairs']} | {_percent(r['precision'])} | {_percent(r['recall'])} |"
            f" {_percent(r['f1'])} | {r['negatives_listed']} | {r['negatives_offered']} |"
        )

    lines.append(line("all", figures["overall"]))
    for tier, rates in figures["tiers"].items():
        lines.append(line(f"tier {tier}", rates))
    for subject, rates in figures["subjects"].items():
        lines.append(line(subject, rates))
    lines += [
        "",
        "| subject · pattern · tier | pairs | listed | possible | related | none | recall |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, r in figures["patterns"].items():
        d = r["decisions"]
        lines.append(
            f"| {key} | {r['pairs']} | {d.get('listed', 0)} | {d.get('possible', 0)} |"
            f" {d.get('related', 0)} | {d.get('none', 0)} | {_percent(r['recall'])} |"
        )
    lines += ["", "| similarity band | pairs | same subject | share |", "|---|---|---|---|"]
    for band, c in figures["calibration"].items():
        lines.append(
            f"| {band} | {c['pairs']} | {c['same_subject']} | {_percent(c['share_same'])} |"
        )
    return "\n".join(lines)


def write_baseline(decided: list[dict[str, Any]], path: Path = BASELINE) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["pair_id", "decision"])
        writer.writerows((row["pair_id"], row["decision"]) for row in decided)


def misses(decided: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pairs whose decision is not what their tier asks for."""
    wrong = []
    for row in decided:
        if row["tier"] == "must_not":
            bad = row["decision"] in FOUND
        else:
            bad = row["decision"] not in FOUND
        if bad:
            wrong.append(row)
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--misses", action="store_true", help="list the pairs decided wrongly")
    parser.add_argument("--update-baseline", action="store_true", help="write baseline.csv")
    parser.add_argument("--distractors", type=int, default=3000)
    parser.add_argument(
        "--pairs", type=Path, default=PAIRS, help="the labelled pairs (default: pairs.csv)"
    )
    args = parser.parse_args(argv)
    if args.update_baseline and args.pairs.resolve() != PAIRS:
        parser.error("--update-baseline writes the baseline of pairs.csv only")
    started = time.perf_counter()
    decided = run(read_pairs(args.pairs), args.distractors)
    figures = summary(decided)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(table(figures))
        print(f"\n{len(decided)} pairs in {figures['seconds']} s")
    if args.misses:
        for row in misses(decided):
            print(
                f"{row['pair_id']} {row['subject']} {row['pattern']} {row['tier']}:"
                f" {row['listed']} ← {row['query']} → {row['decision']}"
                f" (similarity {row['similarity']})"
                + (f" — {row['note']}" if row.get("note") else "")
            )
    if args.update_baseline:
        write_baseline(decided)
        print(f"wrote {BASELINE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
