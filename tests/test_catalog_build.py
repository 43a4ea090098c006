"""The committed catalog is exactly what the build makes from data/sources/, and a build that
meets something unknown stops without touching the previous file."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from desktop_app import paths
from desktop_app.cli import main
from desktop_app.errors import DataError
from desktop_app.models.catalog import Catalog, canonical_dump
from desktop_app.models.catalog_build import build
from desktop_app.models.catalog_build.documents import DOCUMENTS, LIUZHOU_DOCUMENT


def _sqlite_writer_version(path: Path) -> int:
    """The SQLite version number a database file's header records (bytes 96–99)."""
    return int.from_bytes(path.read_bytes()[96:100], "big")


def test_rebuild_gives_the_committed_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a" / "measures.db", tmp_path / "b" / "measures.db"
    argv = ["--data-dir", str(tmp_path / "data"), "catalog", "build", "--output", str(first)]
    assert main([*argv, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["measures"] == {"柳州市": 2948, "内蒙古自治区": 185, "昆山市": 52}
    assert report["liuzhou_rows"] == {
        "numbered": 1553,
        "continuation": 1156,
        "header": 349,
        "entries": 1534,
    }
    summary = build(paths.sources_dir(), second)
    committed = paths.catalog_path()

    assert first.read_bytes() == second.read_bytes(), "the same sources must give the same bytes"
    with Catalog.open(committed) as catalog, Catalog.open(first) as rebuilt:
        assert rebuilt.version == summary.content_hash == catalog.version
        assert catalog.verify() and rebuilt.verify()
    dumps = []
    for path in (committed, first):
        conn = sqlite3.connect(path)
        dumps.append(list(canonical_dump(conn)))
        conn.close()
    assert dumps[0] == dumps[1]
    if _sqlite_writer_version(committed) == sqlite3.sqlite_version_info[0] * 1_000_000 + (
        sqlite3.sqlite_version_info[1] * 1000 + sqlite3.sqlite_version_info[2]
    ):
        assert committed.read_bytes() == first.read_bytes()


def test_committed_catalog_records_the_sources_it_was_built_from() -> None:
    conn = sqlite3.connect(paths.catalog_path())
    sources = json.loads(conn.execute("SELECT value FROM meta WHERE key = 'sources'").fetchone()[0])
    conn.close()
    assert sorted(sources) == sorted(DOCUMENTS)
    for name, digest in sources.items():
        assert hashlib.sha256((paths.sources_dir() / name).read_bytes()).hexdigest() == digest


def _sources_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    shutil.copytree(paths.sources_dir(), folder)
    return folder


def _replace_line(folder: Path, name: str, number: int, old: str, new: str) -> None:
    path = folder / name
    lines = path.read_text("utf-8").split("\n")
    assert old in lines[number - 1]
    lines[number - 1] = lines[number - 1].replace(old, new)
    path.write_text("\n".join(lines), "utf-8")


@pytest.fixture
def previous_output(tmp_path: Path) -> Path:
    output = tmp_path / "out" / "measures.db"
    output.parent.mkdir()
    output.write_bytes(b"previous catalog")
    return output


def _assert_untouched(output: Path) -> None:
    assert output.read_bytes() == b"previous catalog"
    assert [p.name for p in output.parent.iterdir()] == [output.name]


def test_unlisted_category_spelling_stops_the_build(tmp_path: Path, previous_output: Path) -> None:
    folder = _sources_copy(tmp_path)
    # line 75: 市委编办's entry 1, category 失信被执行人
    _replace_line(folder, LIUZHOU_DOCUMENT, 75, "\t失信被执行人\t", "\t失信执行人\t")
    with pytest.raises(DataError) as caught:
        build(folder, previous_output)
    assert "第75行" in caught.value.message
    assert "联合惩戒对象“失信执行人”不在对照表中" in caught.value.message
    _assert_untouched(previous_output)


def test_row_with_missing_column_stops_the_build(tmp_path: Path, previous_output: Path) -> None:
    folder = _sources_copy(tmp_path)
    _replace_line(folder, LIUZHOU_DOCUMENT, 76, "\t\t\t\t(二)", "\t\t\t(二)")
    with pytest.raises(DataError) as caught:
        build(folder, previous_output)
    assert "第76行：表格行应有 6 列，实有 5 列" in caught.value.message
    _assert_untouched(previous_output)


def test_department_column_that_contradicts_its_section_stops_the_build(
    tmp_path: Path, previous_output: Path
) -> None:
    folder = _sources_copy(tmp_path)
    _replace_line(folder, LIUZHOU_DOCUMENT, 75, "\t市委编办\t", "\t市委统战部\t")
    with pytest.raises(DataError) as caught:
        build(folder, previous_output)
    assert "实施部门“市委统战部”与所在部门清单“市委编办”不符" in caught.value.message
    _assert_untouched(previous_output)


def test_changed_text_under_a_correction_stops_the_build(
    tmp_path: Path, previous_output: Path
) -> None:
    folder = _sources_copy(tmp_path)
    # line 1618 is repaired by reconcile.TEXT_REPAIRS; a different text must not be "repaired"
    _replace_line(folder, LIUZHOU_DOCUMENT, 1618, "参加政府采购活", "参加政府采购")
    with pytest.raises(DataError) as caught:
        build(folder, previous_output)
    assert "第1618行：措施(四)的原文与更正表" in caught.value.message
    _assert_untouched(previous_output)


def test_missing_source_file_stops_the_build(tmp_path: Path, previous_output: Path) -> None:
    folder = _sources_copy(tmp_path)
    (folder / LIUZHOU_DOCUMENT).unlink()
    with pytest.raises(DataError) as caught:
        build(folder, previous_output)
    assert "找不到来源文件" in caught.value.message and LIUZHOU_DOCUMENT in caught.value.message
    _assert_untouched(previous_output)


def test_cli_build_error_exits_non_zero_with_the_message(
    tmp_path: Path, previous_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _sources_copy(tmp_path)
    (folder / LIUZHOU_DOCUMENT).write_bytes("序号\t发起部门".encode("gbk"))
    code = main(
        [
            "--data-dir",
            str(tmp_path),
            "catalog",
            "build",
            "--sources",
            str(folder),
            "--output",
            str(previous_output),
        ]
    )
    assert code == 1
    assert "不是 UTF-8 文本" in capsys.readouterr().err
    _assert_untouched(previous_output)
