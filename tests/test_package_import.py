"""Importing update packages into a data folder: lists, catalogs, refusals that change nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app import paths
from desktop_app.context import AppContext
from desktop_app.errors import PackageError, PermissionDeniedError
from desktop_app.models import installed_catalog
from desktop_app.models.users_store import User
from desktop_app.services import accounts, audit
from desktop_app.services.exchange import update_package as up

DEMO = paths.resources_dir() / "demo" / "dishonest_debtors.csv"
FAST = accounts.ScryptParams(n=2**10)


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
def ctx(tmp_path):
    context = AppContext(data_dir=tmp_path / "data")
    yield context
    context.close()


def list_package(tmp_path: Path, key, when: datetime | None = None, name: str = "l.xyhc") -> Path:
    out = tmp_path / name
    up.make_package("list", DEMO, key, out, "信用办", category="失信被执行人", now=when)
    return out


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def test_list_package_imports_through_the_list_importer_and_is_audited(
    tmp_path, office_key, ctx
) -> None:
    outcome = up.import_package(ctx, list_package(tmp_path, office_key))
    result = outcome["result"]
    assert result["category"] == "失信被执行人"
    assert result["added"] > 0 and result["file"] == DEMO.name
    assert outcome["package"]["publisher"] == "柳州市信用办"
    logged = [e for e in audit.entries(ctx) if e["action"] == "list_import"]
    assert len(logged) == 1 and logged[0]["details"]["package"] == "l.xyhc"
    assert not [p for p in ctx.data_dir.iterdir() if p.name.startswith(".package-")]


def test_an_older_package_is_refused_and_changes_nothing(tmp_path, office_key, ctx) -> None:
    now = datetime.now(UTC)
    up.import_package(ctx, list_package(tmp_path, office_key, now))
    older = list_package(tmp_path, office_key, now - timedelta(days=30), "older.xyhc")
    ctx.close()
    before = snapshot(ctx.data_dir)
    with pytest.raises(PackageError, match=r"比已导入的.*旧"):
        up.import_package(ctx, older)
    ctx.close()
    assert snapshot(ctx.data_dir) == before


def test_an_altered_package_changes_nothing(tmp_path, office_key, ctx) -> None:
    good = list_package(tmp_path, office_key)
    bad = tmp_path / "bad.xyhc"
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(bad, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(
                info.filename, data + b"x" if info.filename.startswith("payload/") else data
            )
    audit.log_event(ctx, None, "login")  # an existing office.db, as on a working PC
    ctx.close()
    before = snapshot(ctx.data_dir)
    with pytest.raises(PackageError):
        up.import_package(ctx, bad)
    ctx.close()
    assert snapshot(ctx.data_dir) == before


def test_once_accounts_exist_only_an_admin_imports(tmp_path, office_key, ctx) -> None:
    at = audit.timestamp()
    clerk = User(
        "clerk", "科员", "clerk", "柳州市", "市市场监督管理局", created_at=at, updated_at=at
    )
    admin = User("admin", "管理员", "admin", None, None, created_at=at, updated_at=at)
    for user in (clerk, admin):
        ctx.office.users.add(user, accounts.hash_password("password123", FAST))
    package = list_package(tmp_path, office_key)
    with pytest.raises(PermissionDeniedError, match="导入失信名单"):
        up.import_package(ctx, package, user=clerk)
    with pytest.raises(PermissionDeniedError):
        up.import_package(ctx, package, user=None)
    assert up.import_package(ctx, package, user=admin)["result"]["added"] > 0


def test_catalog_package_installs_and_becomes_the_catalog_in_use(tmp_path, office_key) -> None:
    bundled = paths.catalog_path()
    package = tmp_path / "catalog.xyhc"
    up.make_package("catalog", bundled, office_key, package, "信用办")
    data = tmp_path / "data"
    ctx = AppContext(data_dir=data)
    outcome = up.import_package(ctx, package)
    ctx.close()
    target = installed_catalog.installed_catalog_path(data)
    assert outcome["result"]["installed"] == str(target)
    assert target.read_bytes() == bundled.read_bytes()
    fresh = AppContext(data_dir=data)
    assert fresh.catalog_path == target
    assert fresh.catalog.version == outcome["result"]["version"]
    fresh.close()
    # When the program is upgraded (a different bundled catalog), the bundled one wins again.
    record = installed_catalog.read_install_record(data)
    installed_catalog.write_install_record(data, {**record, "bundled_version": "older-bundle"})
    assert AppContext(data_dir=data).catalog_path == bundled


def test_catalog_whose_content_does_not_match_its_manifest_is_refused(tmp_path, office_key) -> None:
    good = tmp_path / "catalog.xyhc"
    up.make_package("catalog", paths.catalog_path(), office_key, good, "信用办")
    with zipfile.ZipFile(good) as package:
        manifest = json.loads(package.read(up.MANIFEST))
        payload = package.read(up.CATALOG_MEMBER)
    manifest["catalog"]["version"] = "0" * 64  # signed, but not this catalog's content hash
    inner = tmp_path / "bad.zip"
    with zipfile.ZipFile(inner, "w") as package:
        package.writestr(up.MANIFEST, json.dumps(manifest).encode())
        package.writestr(up.CATALOG_MEMBER, payload)
    bad = tmp_path / "bad.xyhc"
    up.seal(inner, office_key, bad)
    data = tmp_path / "data"
    ctx = AppContext(data_dir=data)
    with pytest.raises(PackageError, match="内容校验值与签名清单不符"):
        up.import_package(ctx, bad)
    ctx.close()
    assert not installed_catalog.installed_catalog_path(data).exists()


def test_a_list_file_is_not_a_catalog(tmp_path, office_key) -> None:
    fake = tmp_path / "measures.db"
    shutil.copyfile(DEMO, fake)
    with pytest.raises(PackageError, match="不是可用的措施目录"):
        up.make_package("catalog", fake, office_key, tmp_path / "x.xyhc", "信用办")


def test_public_key_in_config_is_what_keygen_prints(tmp_path) -> None:
    public = up.generate_keypair(tmp_path / "k.pem")
    assert len(base64.b64decode(public)) == 32
