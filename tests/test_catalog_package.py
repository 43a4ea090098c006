"""Catalog versions published by update package: the diff is shown before import, and every
PC that installed the package answers a check of the same date with the same measures."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from catalog_support import department_rows, revised_market_rows, write_csv

from desktop_app import paths
from desktop_app.context import AppContext
from desktop_app.errors import PackageError
from desktop_app.services.catalog.catalog_import import import_catalog
from desktop_app.services.exchange import catalog_package
from desktop_app.services.exchange import update_package as up

EFFECTIVE = "2025-07-01"
DATES = ("2025-01-01", "2025-06-30", EFFECTIVE, "2025-09-30", "2030-01-01")


@pytest.fixture
def office_key(tmp_path, monkeypatch):
    pem = tmp_path / "office.pem"
    public = up.generate_keypair(pem)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[trusted_publishers]]\nname = "柳州市信用办"\npublic_key = "{public}"\n', "utf-8"
    )
    monkeypatch.setenv("XYHC_CONFIG", str(config))
    return up.load_private_key(pem)


@pytest.fixture
def office(tmp_path):
    """The credit office: two versions of 柳州's catalog."""
    context = AppContext(data_dir=tmp_path / "office")
    base = context.catalog.base
    revised = write_csv(tmp_path / "revised.csv", revised_market_rows(base))
    assert import_catalog(context.catalog, revised, "柳州", EFFECTIVE).written
    rows = department_rows(base, "柳州市", "市公安局", lambda m: m["text"] + "，从严审核")
    later = write_csv(tmp_path / "police.csv", rows)
    assert import_catalog(context.catalog, later, "柳州", "2025-09-01").written
    yield context
    context.close()


def _folder_state(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _answers(ctx: AppContext) -> list[tuple[str, str, list[str]]]:
    found = []
    for date in DATES:
        for department in ("市市场监管局", "市公安局", "市财政局"):
            measures = ctx.catalog.measures("柳州", department, as_of=date)
            found.append(
                (date, ctx.catalog.in_force("柳州", date).version, [m["text"] for m in measures])
            )
    return found


def test_published_versions_give_every_pc_the_same_answers(tmp_path, office_key, office):
    package = tmp_path / "catalog.xyhc"
    manifest = up.make_catalog_versions_package(office.catalog, office_key, package, "柳州市信用办")
    assert [v["number"] for v in manifest["catalog"]["versions"]] == [2, 3]
    department = AppContext(data_dir=tmp_path / "department")
    try:
        info, changes = catalog_package.preview_package(department, package)
        assert info.kind == "catalog"
        assert not (tmp_path / "department").exists()  # looking changes nothing
        (item,) = changes["jurisdictions"]
        assert item["diff"]["old"]["number"] == 1 and item["diff"]["new"]["number"] == 3
        assert item["diff"]["summary"]["added"] == 1
        assert {row["department"] for row in item["diff"]["departments"]} == {
            "市市场监管局",
            "市公安局",
        }
        assert [v["number"] for v in changes["added"]] == [2, 3]

        outcome = up.import_package(department, package)
        assert outcome["result"]["added"] == changes["added"]
        assert _answers(department) == _answers(office)
        assert [v["number"] for v in department.catalog.versions("柳州")] == [1, 2, 3]
        fresh = AppContext(data_dir=tmp_path / "department")
        assert _answers(fresh) == _answers(office)
        fresh.close()
    finally:
        department.close()


def test_a_pc_with_versions_of_its_own_takes_the_packages_and_keeps_the_files(
    tmp_path, office_key, office
):
    package = tmp_path / "catalog.xyhc"
    up.make_catalog_versions_package(office.catalog, office_key, package, "柳州市信用办")
    department = AppContext(data_dir=tmp_path / "department")
    try:
        rows = department_rows(
            department.catalog.base, "柳州市", "市财政局", lambda m: m["text"] + "。"
        )
        own = import_catalog(
            department.catalog, write_csv(tmp_path / "own.csv", rows), "柳州", "2025-03-01"
        )
        assert own.written
        _info, changes = catalog_package.preview_package(department, package)
        assert [v["number"] for v in changes["dropped"]] == [2]
        up.import_package(department, package)
        assert _answers(department) == _answers(office)
        # a record made with the dropped version still finds it
        assert department.catalog.by_hash(own.version["content_hash"]) is not None
    finally:
        department.close()


def test_an_older_package_is_refused(tmp_path, office_key, office):
    new = tmp_path / "new.xyhc"
    old = tmp_path / "old.xyhc"
    now = datetime.now(UTC)
    up.make_catalog_versions_package(office.catalog, office_key, new, "信用办", now=now)
    up.make_catalog_versions_package(
        office.catalog, office_key, old, "信用办", now=now - timedelta(days=1)
    )
    department = AppContext(data_dir=tmp_path / "department")
    try:
        up.import_package(department, new)
        before = _folder_state(department.catalog.directory)
        with pytest.raises(PackageError, match="旧"):
            up.import_package(department, old)
        assert _folder_state(department.catalog.directory) == before
    finally:
        department.close()


def _resealed(package: Path, key, change) -> Path:
    """The package with its manifest changed by `change` and signed again (a publisher's
    mistake or a forged manifest with a stolen key: the contents must still agree)."""
    out = package.with_name("changed.xyhc")
    inner = package.with_name("inner.zip")
    header = len(up.ENVELOPE_MAGIC) + up.SIGNATURE_BYTES
    inner.write_bytes(package.read_bytes()[header:])
    rebuilt = package.with_name("rebuilt.zip")
    with zipfile.ZipFile(inner) as source, zipfile.ZipFile(rebuilt, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == up.MANIFEST:
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest, ensure_ascii=False).encode()
            target.writestr(item, data)
    up.seal(rebuilt, key, out)
    return out


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m["catalog"]["versions"][0].update(effective="2020-01-01"),
        lambda m: m["catalog"]["versions"][0].update(jurisdiction="昆山市"),
        lambda m: m["catalog"]["versions"].pop(),
        lambda m: m["catalog"]["versions"][0].update(file="LZ-v0009-000000000000.db"),
    ],
)
def test_versions_that_do_not_match_the_signed_manifest_are_refused(
    tmp_path, office_key, office, change
):
    package = tmp_path / "catalog.xyhc"
    up.make_catalog_versions_package(office.catalog, office_key, package, "信用办")
    forged = _resealed(package, office_key, change)
    department = AppContext(data_dir=tmp_path / "department")
    try:
        with pytest.raises(PackageError, match="已拒绝"):
            up.import_package(department, forged)
        assert department.catalog.entries() == []
        assert _folder_state(department.catalog.directory) == {}
    finally:
        department.close()


def test_nothing_to_publish_is_said(tmp_path, office_key):
    empty = AppContext(data_dir=tmp_path / "empty")
    try:
        with pytest.raises(PackageError, match="没有导入过措施目录版本"):
            up.make_catalog_versions_package(empty.catalog, office_key, tmp_path / "x", "信用办")
    finally:
        empty.close()


def test_a_base_catalog_package_also_shows_its_diff(tmp_path, office_key):
    package = tmp_path / "base.xyhc"
    up.make_package("catalog", paths.catalog_path(), office_key, package, "信用办")
    department = AppContext(data_dir=tmp_path / "department")
    try:
        _info, changes = catalog_package.preview_package(department, package)
        assert changes["kind"] == "base"
        assert [item["diff"]["summary"]["added"] for item in changes["jurisdictions"]] == [0, 0, 0]
    finally:
        department.close()


def test_cli_publish_verify_import(tmp_path, office_key, office, capsys):
    from desktop_app.cli import main

    pem = tmp_path / "office.pem"
    package = tmp_path / "cli.xyhc"
    args = ["--data-dir", str(tmp_path / "office"), "catalog", "publish", "--key", str(pem)]
    assert main([*args, "--out", str(package), "--publisher", "柳州市信用办"]) == 0
    assert "柳州市第3版（2025-09-01起施行）" in capsys.readouterr().out
    department = ["--data-dir", str(tmp_path / "department")]
    assert main([*department, "package", "verify", str(package)]) == 0
    out = capsys.readouterr().out
    assert "导入后本机措施目录的变化" in out and "第1版（内置目录） → 第3版" in out
    assert main([*department, "package", "verify", str(package), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changes"]["kind"] == "versions"
    assert main([*department, "package", "import", str(package)]) == 0
    assert "已安装措施目录版本" in capsys.readouterr().out
