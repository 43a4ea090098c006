"""Every committed list import is audited (crashes at the commit boundary included), and the
command line's update options: --dry-run, --confirm-revocations, --mode, packages that name
their list."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from lists_support import numbered_rows, office_copy, write_csv

from desktop_app.cli import main
from desktop_app.context import AppContext
from desktop_app.services import admin, audit
from desktop_app.services.exchange import update_package as up

ROOT = Path(__file__).resolve().parent.parent

CRASHING_IMPORT = """
import os, sys
from pathlib import Path
from desktop_app.context import AppContext
from desktop_app.models.lists_store import ListStore
from desktop_app.services import admin
from desktop_app.services.audit import list_imports

data, path, where = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
if where == "after_commit":  # lists.db committed, the audit entry not yet appended
    list_imports.carry_pending_imports = lambda *a, **k: os._exit(9)
else:  # the audit entry appended, the intent not yet dropped from lists.db
    ListStore.forget_intent = lambda self, intent_id: os._exit(9)
ctx = AppContext(data)
admin.import_list_file(ctx, None, path, "失信被执行人")
"""


@pytest.fixture
def cli(tmp_path, capsys):
    data = tmp_path / "data"

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(data), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    run.data = data  # type: ignore[attr-defined]
    return run


def list_imports_logged(data: Path) -> list[dict]:
    ctx = AppContext(data)
    try:
        return audit.entries(ctx, action="list_import")
    finally:
        ctx.close()


@pytest.mark.parametrize("where", ["after_commit", "after_audit"])
def test_a_crash_at_the_commit_boundary_never_loses_or_doubles_the_audit_entry(tmp_path, where):
    data = tmp_path / "data"
    first = AppContext(data)
    admin.import_list_file(
        first, None, office_copy("dishonest_debtors.csv", tmp_path), "失信被执行人"
    )
    first.close()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASHING_IMPORT,
            str(data),
            str(office_copy("dishonest_debtors_v2.csv", tmp_path)),
            where,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 9, done.stderr
    conn = sqlite3.connect(data / "lists.db")
    pending = conn.execute("SELECT count(*) FROM import_intents").fetchone()[0]
    conn.close()
    assert pending == 1  # version 2 committed with its intent
    if where == "after_commit":
        raw = sqlite3.connect(data / "office.db")
        logged = raw.execute("SELECT count(*) FROM audit_log WHERE action = 'list_import'")
        assert logged.fetchone()[0] == 1  # only version 1's entry so far
        raw.close()

    ctx = AppContext(data)  # the next opening carries the intent into the chain
    try:
        verified = audit.verify_chain(ctx)
        assert verified["ok"], verified["problems"]
        entries = audit.entries(ctx, action="list_import")
        assert [e["details"]["version"] for e in entries] == [1, 2]
        assert entries[1]["details"].get("carried_late") is (
            True if where == "after_commit" else None
        )
        assert not ctx.lists.has_pending_intents()
    finally:
        ctx.close()
    assert len(list_imports_logged(data)) == 2  # and never again


def test_audit_verify_names_a_list_version_without_its_entry(tmp_path):
    data = tmp_path / "data"
    ctx = AppContext(data)
    admin.import_list_file(
        ctx, None, office_copy("dishonest_debtors.csv", tmp_path), "失信被执行人"
    )
    assert audit.verify_chain(ctx)["ok"]
    # A version slipped into lists.db without an import (or its intent deleted).
    from desktop_app.services.lists.session import import_list

    import_list(
        ctx.lists,
        office_copy("dishonest_debtors_v2.csv", tmp_path),
        "失信被执行人",
        catalog=ctx.catalog,
    )
    ctx.lists.conn.execute("DELETE FROM import_intents")
    result = audit.verify_chain(ctx)
    ctx.close()
    assert not result["ok"]
    [problem] = result["problems"]
    assert (problem["kind"], problem["list"], problem["version"]) == (
        "list_version_unaudited",
        "失信被执行人",
        2,
    )
    assert (
        "名单“失信被执行人”第 2 版" in problem["message"] and "没有导入记录" in problem["message"]
    )


def test_the_cli_refuses_confirms_and_previews(cli, tmp_path):
    path = write_csv(tmp_path / "v1.csv", numbered_rows(1200))
    code, _, err = cli("lists", "import", str(path), "--category", "失信被执行人")
    assert code == 0, err
    short = write_csv(tmp_path / "short.csv", numbered_rows(120))
    db = cli.data / "lists.db"
    before = db.read_bytes()

    code, out, err = cli("lists", "import", str(short), "--category", "失信被执行人", "--json")
    refused = json.loads(out)
    assert code == 5 and refused["kind"] == "ImportRefusedError"
    assert (refused["reason"], refused["revocations"]) == ("revocations", 1080)
    assert "--confirm-revocations 1080" in err
    assert db.read_bytes() == before

    code, out, err = cli(
        "lists", "import", str(short), "--category", "失信被执行人", "--dry-run", "--json"
    )
    preview = json.loads(out)
    assert code == 0 and preview["dry_run"] and preview["revoked"] == 1080
    assert preview["would_be_refused"]["reason"] == "revocations"
    assert db.read_bytes() == before

    code, _, err = cli(
        "lists", "import", str(short), "--category", "失信被执行人", "--confirm-revocations", "1079"
    )
    assert code == 5 and "您确认撤销 1079 条，但本次导入将撤销 1080 条" in err
    assert db.read_bytes() == before

    code, out, err = cli(
        "lists",
        "import",
        str(short),
        "--category",
        "失信被执行人",
        "--confirm-revocations",
        "1080",
    )
    assert code == 0, err
    assert "管理员已确认撤销 1080 条有效记录" in out
    ctx = AppContext(cli.data)
    try:
        actions = [e["action"] for e in audit.entries(ctx)]
        assert actions == [
            "list_import",
            "list_import_refused",
            "list_preview",
            "list_import_refused",
            "list_import",
        ]
        confirmed = audit.entries(ctx, action="list_import")[-1]["details"]
        assert (confirmed["confirmed_revocations"], confirmed["in_force_before"]) == (1080, 1200)
    finally:
        ctx.close()
    code, out, _ = cli("lists", "versions", "失信被执行人", "--json")
    versions = json.loads(out)["versions"]
    assert [(v["version_no"], v["mode"], v["confirmed_revocations"]) for v in versions] == [
        (1, "full", None),
        (2, "full", 1080),
    ]
    code, out, _ = cli("lists", "versions", "失信被执行人")
    assert "第 2 版（完整名单）" in out and "管理员确认撤销 1080 条" in out


def test_the_cli_writes_every_rejected_row_to_an_xlsx_even_when_it_refuses(cli, tmp_path):
    import openpyxl

    bad = write_csv(
        tmp_path / "bad.csv", [{"失信被执行人姓名/名称": "", "案号": str(n)} for n in range(5)]
    )
    target = tmp_path / "被拒绝的行.xlsx"
    code, _, err = cli(
        "lists", "import", str(bad), "--category", "失信被执行人", "--rejections-xlsx", str(target)
    )
    assert code == 5 and "没有数据行" not in err and "全部被拒绝" in err
    sheet = openpyxl.load_workbook(target)["被拒绝的行"]
    assert [r[0].value for r in sheet.iter_rows(min_row=2)] == [2, 3, 4, 5, 6]
    code, _, err = cli(
        "lists", "import", str(bad), "--category", "失信被执行人", "--rejections-xlsx", "x.csv"
    )
    assert code == 2 and ".xlsx" in err


@pytest.fixture
def office_key(tmp_path, monkeypatch):
    pem = tmp_path / "office.pem"
    public = up.generate_keypair(pem)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[trusted_publishers]]\nname = "柳州市信用办"\npublic_key = "{public}"\n', "utf-8"
    )
    monkeypatch.setenv("XYHC_CONFIG", str(config))
    return pem


def test_a_list_package_updates_the_list_it_names_and_says_so_first(cli, tmp_path, office_key):
    code, _, err = cli(
        "lists",
        "import",
        str(office_copy("dishonest_debtors.csv", tmp_path)),
        "--category",
        "失信被执行人",
    )
    assert code == 0, err
    package = tmp_path / "v2.xyhc"
    code, out, err = cli(
        "package",
        "make",
        str(office_copy("dishonest_debtors_v2.csv", tmp_path)),
        "--kind",
        "list",
        "--category",
        "失信被执行人",
        "--key",
        str(office_key),
        "--publisher",
        "柳州市信用办",
        "--out",
        str(package),
    )
    assert code == 0, err
    assert "导入后更新名单“失信被执行人”（失信被执行人，完整名单）" in out
    code, out, _ = cli("package", "verify", str(package))
    assert "当前第 1 版 → 第 2 版" in out
    code, out, err = cli("package", "import", str(package), "--json")
    assert code == 0, err
    assert "导入后将更新名单“失信被执行人”（失信被执行人）：当前第 1 版 → 第 2 版" in err
    result = json.loads(out)["result"]
    assert (result["list"], result["version"], result["mode"]) == ("失信被执行人", 2, "full")
    assert result["file"] == "dishonest_debtors_v2.csv"
    code, out, _ = cli("lists", "status", "--json")
    assert [item["list"] for item in json.loads(out)["lists"]] == ["失信被执行人"]
    ctx = AppContext(cli.data)
    try:
        entry = audit.entries(ctx, action="list_import")[-1]
        assert (entry["details"]["version"], entry["details"]["package"]) == (2, "v2.xyhc")
        assert audit.verify_chain(ctx)["ok"]
    finally:
        ctx.close()


def test_an_incremental_package_carries_its_mode(cli, tmp_path, office_key):
    code, _, err = cli(
        "lists",
        "import",
        str(office_copy("dishonest_debtors.csv", tmp_path)),
        "--category",
        "失信被执行人",
    )
    increment = write_csv(tmp_path / "increment.csv", numbered_rows(3))
    package = tmp_path / "inc.xyhc"
    code, _, err = cli(
        "package",
        "make",
        str(increment),
        "--kind",
        "list",
        "--category",
        "失信被执行人",
        "--key",
        str(office_key),
        "--publisher",
        "柳州市信用办",
        "--out",
        str(package),
        "--mode",
        "incremental",
    )
    assert code == 0, err
    code, out, err = cli("package", "import", str(package), "--json")
    assert code == 0, err  # as a full import, three rows would have revoked the rest
    result = json.loads(out)["result"]
    assert (result["mode"], result["added"], result["revoked"]) == ("incremental", 3, 0)


def test_an_old_package_named_after_its_file_updates_the_list_of_its_category(tmp_path, office_key):
    key = up.load_private_key(office_key)
    package = tmp_path / "old.xyhc"
    up.make_package(
        "list",
        office_copy("dishonest_debtors_v2.csv", tmp_path),
        key,
        package,
        "柳州市信用办",
        category="失信被执行人",
    )
    # Rewrite it as the previous program made it: format 2, named after the file, no mode.
    import zipfile

    inner = tmp_path / "inner.zip"
    with open(package, "rb") as handle:
        handle.seek(len(up.ENVELOPE_MAGIC) + up.SIGNATURE_BYTES)
        inner.write_bytes(handle.read())
    with zipfile.ZipFile(inner) as old:
        manifest = json.loads(old.read(up.MANIFEST))
        payload = old.read("payload/list.csv")
    manifest["format_version"] = 2
    manifest["list"] = {
        "category": "失信被执行人",
        "name": "dishonest_debtors_v2",
        "source_name": "dishonest_debtors_v2.csv",
    }
    rebuilt = tmp_path / "rebuilt.zip"
    with zipfile.ZipFile(rebuilt, "w") as new:
        new.writestr(up.MANIFEST, json.dumps(manifest, ensure_ascii=False))
        new.writestr("payload/list.csv", payload)
    up.seal(rebuilt, key, package)
    info = up.verify_package(package, AppContext(tmp_path / "d").config.trusted_publishers)
    assert (info.list_name, info.list_mode) == ("失信被执行人", "full")
