"""Synthetic demo lists: layout, validity of every identifier, determinism, CLI."""

from __future__ import annotations

import csv
import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from desktop_app.cli import main
from desktop_app.errors import UsageError
from desktop_app.models import names
from desktop_app.models.identifiers import masked_matches, normalize_id_cell, parse_query
from desktop_app.models.name_similarity import similarity
from desktop_app.models.names import POSSIBLE_MATCH_THRESHOLD
from desktop_app.services.lists import demo_data
from desktop_app.services.lists.demo_data import STANDARD_FIELDS, bulk_rows, write_demo_data

ROOT = Path(__file__).resolve().parent.parent
SOURCE_004 = next((ROOT / "data" / "sources").glob("004_*.txt"))


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    write_demo_data(out, subjects=200, seed=5)
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="gbk", newline="") as handle:
        return list(csv.DictReader(handle))


def test_standard_fields_are_the_22_of_attachment_1() -> None:
    lines = SOURCE_004.read_text(encoding="utf-8").splitlines()[68:92]
    # The source splits two headers across lines ("地域名称" + "*"); glue the marks back.
    fields: list[str] = []
    for line in lines:
        text = line.strip()
        if text == "*" and fields:
            fields[-1] += "*"
        elif text:
            fields.append(text)
    assert tuple(fields) == STANDARD_FIELDS
    assert len(STANDARD_FIELDS) == 22


def test_manifest_lists_every_file(demo_dir: Path) -> None:
    manifest = json.loads((demo_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True
    categories = {entry["category"] for entry in manifest["lists"]}
    assert {"失信被执行人", "重大税收违法案件当事人"} <= categories
    assert len(categories) >= 3
    for entry in manifest["lists"]:
        rows = read_csv(demo_dir / entry["csv"])
        assert len(rows) == entry["rows"]
        assert "演示数据" in entry["list_name"]
    v1 = sum(e["rows"] for e in manifest["lists"] if e["version"] == 1)
    assert v1 == 200
    assert "合成数据" in (demo_dir / "README.md").read_text(encoding="utf-8")


def test_csv_is_gbk_and_xlsx_holds_the_same_rows(demo_dir: Path) -> None:
    raw = (demo_dir / "dishonest_debtors.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = read_csv(demo_dir / "dishonest_debtors.csv")
    sheet = load_workbook(demo_dir / "dishonest_debtors.xlsx", read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert tuple(values[0]) == STANDARD_FIELDS
    assert len(values) - 1 == len(rows)
    for csv_row, xlsx_row in zip(rows, values[1:], strict=True):
        # Read-only openpyxl leaves out empty cells at the end of a row.
        padded = list(xlsx_row) + [None] * (len(STANDARD_FIELDS) - len(xlsx_row))
        as_text = [
            ""
            if v is None
            else v.date().isoformat()
            if isinstance(v, datetime.datetime)
            else str(v)
            for v in padded
        ]
        assert as_text == [csv_row[f] for f in STANDARD_FIELDS]


def test_every_generated_identifier_validates_property(demo_dir: Path) -> None:
    kinds: dict[str, int] = {}
    for path in demo_dir.glob("*.csv"):
        for row in read_csv(path):
            cell = normalize_id_cell(row["身份证号码/组织机构代码"])
            assert cell.error is None, (path.name, row["身份证号码/组织机构代码"])
            kinds[cell.kind] = kinds.get(cell.kind, 0) + 1
            person = row["标识自然人或企业法人"] == demo_data.PERSON
            if cell.kind == "resident_id":
                assert person
                assert cell.value is not None and cell.value[14:16] == "99"  # synthetic mark
                assert row["性别"] == ("男" if int(cell.value[16]) % 2 else "女")
            assert row["信息唯一标识"].startswith("DEMO-")
            if not person:
                assert row["企业法定代表人姓名"]
                assert names.name_parts(row["失信被执行人姓名/名称"]).is_organization, row
    assert kinds.keys() >= {"resident_id", "uscc", "org_code", "masked_resident_id"}


def test_case_numbers_dates_and_revocations(demo_dir: Path) -> None:
    rows = read_csv(demo_dir / "dishonest_debtors.csv")
    assert all(r["案号"].endswith("号") and "执" in r["案号"] for r in rows)
    assert any(r["案号"].startswith("（20") and "桂02" in r["案号"] for r in rows)
    revoked = [r for r in rows if r["撤销时间"]]
    assert revoked
    for r in rows:
        filed, published = (datetime.date.fromisoformat(r[f]) for f in ("立案时间", "发布时间"))
        assert filed < published
        if r["撤销时间"]:
            assert datetime.date.fromisoformat(r["撤销时间"]) > published


def test_some_legal_representatives_are_listed_persons(demo_dir: Path) -> None:
    rows = [r for p in demo_dir.glob("*.csv") if "_v" not in p.name for r in read_csv(p)]
    persons = {r["失信被执行人姓名/名称"] for r in rows if r["性别"]}
    reps = [r["企业法定代表人姓名"] for r in rows if r["企业法定代表人姓名"]]
    assert sum(rep in persons for rep in reps) >= 3


def test_memorable_subjects(demo_dir: Path) -> None:
    facts = json.loads((demo_dir / "manifest.json").read_text(encoding="utf-8"))["memorable"]
    rows = {r["失信被执行人姓名/名称"]: r for r in read_csv(demo_dir / "dishonest_debtors.csv")}
    person = facts["person"]
    assert parse_query(person["id"]).error is None
    assert rows[person["name"]]["身份证号码/组织机构代码"] == person["id"]
    company = facts["legal_rep_company"]
    assert rows[company["name"]]["企业法定代表人姓名"] == person["name"]
    assert parse_query(company["uscc"]).kind == "uscc"
    masked = rows[facts["masked"]["name"]]["身份证号码/组织机构代码"]
    assert "*" in masked and masked_matches(masked, facts["masked"]["id"])
    assert rows[facts["revoked"]["name"]]["撤销时间"] == facts["revoked"]["revoked_on"]
    org = rows[facts["org_code_only"]["name"]]["身份证号码/组织机构代码"]
    assert normalize_id_cell(org).value == facts["org_code_only"]["org_code"]
    homophone = similarity(facts["homophone"]["typed"], facts["homophone"]["name"])
    assert homophone.score >= POSSIBLE_MATCH_THRESHOLD


def test_version_2_revokes_drops_changes_and_adds(demo_dir: Path) -> None:
    manifest = json.loads((demo_dir / "manifest.json").read_text(encoding="utf-8"))
    v2 = next(e for e in manifest["lists"] if e["version"] == 2)
    assert all(v2["changes"][k] >= 1 for k in ("revoked", "dropped", "changed", "added"))
    first = {r["信息唯一标识"]: r for r in read_csv(demo_dir / "dishonest_debtors.csv")}
    second = {r["信息唯一标识"]: r for r in read_csv(demo_dir / "dishonest_debtors_v2.csv")}
    assert len(set(first) - set(second)) == v2["changes"]["dropped"]
    assert len(set(second) - set(first)) == v2["changes"]["added"]
    newly_revoked = [
        k for k in second if k in first and second[k]["撤销时间"] and not first[k]["撤销时间"]
    ]
    assert len(newly_revoked) == v2["changes"]["revoked"]
    changed = [k for k in second if k in first and second[k] != first[k]]
    assert len(changed) == v2["changes"]["revoked"] + v2["changes"]["changed"]


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    write_demo_data(tmp_path / "a", subjects=40, seed=9)
    write_demo_data(tmp_path / "b", subjects=40, seed=9)
    write_demo_data(tmp_path / "c", subjects=40, seed=10)
    for name in ("dishonest_debtors.csv", "tax_violations.csv", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "dishonest_debtors.csv").read_bytes() != (
        tmp_path / "c" / "dishonest_debtors.csv"
    ).read_bytes()


def test_too_few_subjects_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(UsageError) as error:
        write_demo_data(out, subjects=5)
    assert error.value.message == "演示数据至少需要20个主体，请把 --subjects 设为20或更多。"
    assert not out.exists()


def test_output_that_is_a_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("keep", encoding="utf-8")
    with pytest.raises(UsageError) as error:
        write_demo_data(target, subjects=30)
    assert "是一个文件" in error.value.message
    assert target.read_text(encoding="utf-8") == "keep"


def test_bulk_rows_are_valid_and_numbered_from_first_serial() -> None:
    rows = list(bulk_rows(2000, seed=3, first_serial=1001))
    assert rows[0][0] == "DEMO-DIS-00001001"
    assert len({r[0] for r in rows}) == len(rows)
    assert all(len(r) == len(STANDARD_FIELDS) for r in rows)
    id_index = STANDARD_FIELDS.index("身份证号码/组织机构代码")
    cells = [normalize_id_cell(r[id_index]) for r in rows]
    assert all(cell.error is None for cell in cells)
    provinces = {c.value[:2] for c in cells if c.kind == "resident_id" and c.value}
    assert len(provinces) > 10  # a national list
    name_index = STANDARD_FIELDS.index("失信被执行人姓名/名称")
    by_id: dict[str, list[str]] = {}
    for row, cell in zip(rows, cells, strict=True):
        if cell.kind == "resident_id" and cell.value:
            by_id.setdefault(cell.value, []).append(row[name_index])
    # Some debtors are listed for several cases, always under the same name.
    assert any(len(listed) > 1 for listed in by_id.values())
    assert all(len(set(listed)) == 1 for listed in by_id.values())


def test_cli_demo_data_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert main(["demo-data", "--subjects", "30", "--out", str(out), "--seed", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["out"] == str(out)
    assert data["subjects"] == 30
    assert (out / data["lists"][0]["xlsx"]).exists()


def test_cli_demo_data_too_few_subjects_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "demo-data", "--subjects", "3", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert "演示数据至少需要20个主体" in result.stderr
    assert not out.exists()


def test_committed_demo_set_is_what_the_command_makes(tmp_path: Path) -> None:
    committed = ROOT / "resources" / "demo"
    manifest = json.loads((committed / "manifest.json").read_text(encoding="utf-8"))
    write_demo_data(tmp_path, manifest["subjects"], manifest["seed"])
    for path in committed.iterdir():
        if path.suffix in (".csv", ".json", ".md"):
            assert path.read_bytes() == (tmp_path / path.name).read_bytes(), path.name
