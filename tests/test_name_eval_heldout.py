"""The blind held-out name sets (bench/name_eval/heldout*.csv) and `evaluate.py --pairs`.

The held-out set is evaluated on demand, never pinned by the baseline: these tests only check
that it stays in the evaluator's format, stays out of the baseline, and that `--pairs` runs
another file through the same path as pairs.csv.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench" / "name_eval"))

import evaluate

HELDOUT_SETS = sorted(evaluate.HERE.glob("heldout*.csv"))
HEADER = ["pair_id", "subject", "pattern", "tier", "expected", "listed", "former", "query"]


def _write_pairs(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [*HEADER, "note"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def _pair(pair_id: str, tier: str, expected: str, listed: str, query: str, note: str) -> dict:
    return {
        "pair_id": pair_id,
        "subject": "person",
        "pattern": "test",
        "tier": tier,
        "expected": expected,
        "listed": listed,
        "former": "",
        "query": query,
        "note": note,
    }


def test_there_are_three_held_out_sets() -> None:
    assert [p.name for p in HELDOUT_SETS] == ["heldout.csv", "heldout2.csv", "heldout3.csv"]


@pytest.mark.parametrize("held_out", HELDOUT_SETS, ids=lambda p: p.name)
def test_the_held_out_set_has_the_evaluator_s_columns_and_a_note_per_pair(held_out) -> None:
    with open(held_out, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == [*HEADER, "note"]
        pairs = list(reader)
    assert len(pairs) >= 600
    assert {p["subject"] for p in pairs} == {"person", "organization"}
    for pair in pairs:
        assert pair["note"].strip(), pair["pair_id"]
        assert pair["listed"].strip() and pair["query"].strip(), pair["pair_id"]
        negative = pair["tier"] == "must_not"
        assert pair["expected"] in (("none", "related") if negative else ("listed", "possible"))
    assert len({p["pair_id"] for p in pairs}) == len(pairs)


@pytest.mark.parametrize("held_out_set", HELDOUT_SETS, ids=lambda p: p.name)
def test_the_held_out_set_stays_out_of_the_baseline(held_out_set) -> None:
    held_out = {p["pair_id"] for p in evaluate.read_pairs(held_out_set)}
    assert not held_out & set(evaluate.read_baseline())
    assert not held_out & {p["pair_id"] for p in evaluate.read_pairs()}


def test_pairs_evaluates_another_file_and_misses_show_the_note(tmp_path, capsys) -> None:
    path = _write_pairs(
        tmp_path / "pairs.csv",
        [
            _pair("T1", "must", "listed", "诸葛明远", "诸葛明远", "exact"),
            _pair("T2", "must", "possible", "司马长风", "欧阳冬梅", "a miss on purpose"),
            _pair("T3", "must_not", "none", "慕容秋水", "皇甫春生", "unrelated"),
        ],
    )
    assert evaluate.main(["--pairs", str(path), "--json", "--distractors", "0"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["overall"]["pairs"] == 3
    assert figures["overall"]["recall"] == 0.5
    assert figures["tiers"]["must_not"]["decisions"] == {"none": 1}

    assert evaluate.main(["--pairs", str(path), "--misses", "--distractors", "0"]) == 0
    missed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("T2 ")]
    assert missed == [
        "T2 person test must: 司马长风 ← 欧阳冬梅 → none (similarity 0.0) — a miss on purpose"
    ]


def test_the_baseline_is_never_written_from_another_set(tmp_path) -> None:
    path = _write_pairs(
        tmp_path / "pairs.csv", [_pair("T1", "must", "listed", "诸葛明远", "诸葛明远", "exact")]
    )
    before = evaluate.BASELINE.read_bytes()
    with pytest.raises(SystemExit) as raised:
        evaluate.main(["--pairs", str(path), "--update-baseline", "--distractors", "0"])
    assert raised.value.code == 2
    assert evaluate.BASELINE.read_bytes() == before
