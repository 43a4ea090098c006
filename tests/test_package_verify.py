"""Update packages: what a good package looks like, and every way a bad one is refused."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import zipfile
from pathlib import Path

import pytest

from desktop_app.config import TrustedPublisher
from desktop_app.errors import PackageError, UsageError
from desktop_app.services import update_package as up

CSV = "姓名/名称,身份证号码/组织机构代码\n张三,110101199003074518\n".encode()


@pytest.fixture
def keys(tmp_path) -> dict:
    made = {}
    for name in ("office", "stranger"):
        pem = tmp_path / f"{name}.pem"
        public = up.generate_keypair(pem)
        made[name] = (up.load_private_key(pem), TrustedPublisher(name, base64.b64decode(public)))
    return made


@pytest.fixture
def list_package(tmp_path, keys) -> Path:
    payload = tmp_path / "名单.csv"
    payload.write_bytes(CSV)
    out = tmp_path / "list.xyhc"
    up.make_package(
        "list", payload, keys["office"][0], out, "柳州市信用办", category="失信被执行人"
    )
    return out


def rewrite(source: Path, target: Path, change) -> Path:
    """Copy a package member by member, letting `change(name, data)` alter each member."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
    return target


def signed(tmp_path: Path, key, manifest: dict, members: dict[str, bytes]) -> Path:
    """A package with an arbitrary manifest, correctly signed by `key`."""
    manifest_bytes = json.dumps(manifest, ensure_ascii=False).encode()
    out = tmp_path / "crafted.xyhc"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(up.MANIFEST, manifest_bytes)
        package.writestr(up.SIGNATURE, key.sign(manifest_bytes))
        for name, data in members.items():
            package.writestr(name, data)
    return out


def manifest_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as package:
        return json.loads(package.read(up.MANIFEST))


def test_good_package_verifies(list_package, keys) -> None:
    info = up.verify_package(list_package, [keys["stranger"][1], keys["office"][1]])
    assert info.kind == "list"
    assert info.publisher == "office"  # the name THIS PC gives the key, not the package's
    assert info.to_json()["publisher_in_package"] == "柳州市信用办"
    assert info.list_category == "失信被执行人"
    assert info.list_name == "名单"
    assert info.files == [
        {"name": "payload/list.csv", "size": len(CSV), "sha256": hashlib.sha256(CSV).hexdigest()}
    ]


def test_extraction_writes_the_verified_bytes(list_package, keys, tmp_path) -> None:
    into = tmp_path / "work"
    into.mkdir()
    up.verify_package(list_package, [keys["office"][1]], extract_to=into)
    assert (into / "payload" / "list.csv").read_bytes() == CSV


def test_wrong_key_is_refused(list_package, keys) -> None:
    with pytest.raises(PackageError, match="不匹配") as caught:
        up.verify_package(list_package, [keys["stranger"][1]])
    assert "柳州市信用办" in caught.value.message


def test_no_trusted_key_configured_says_what_to_do(list_package) -> None:
    with pytest.raises(PackageError, match="trusted_publishers"):
        up.verify_package(list_package, [])


def test_altered_manifest_byte_breaks_the_signature(list_package, keys, tmp_path) -> None:
    def change(name: str, data: bytes) -> bytes:
        return (
            data.replace("失信被执行人".encode(), "失信被执行者".encode())
            if name == up.MANIFEST
            else data
        )

    bad = rewrite(list_package, tmp_path / "bad.xyhc", change)
    with pytest.raises(PackageError, match="不匹配"):
        up.verify_package(bad, [keys["office"][1]])


def test_altered_payload_byte_is_caught_by_the_hash(list_package, keys, tmp_path) -> None:
    def change(name: str, data: bytes) -> bytes:
        return data.replace(b"4518", b"4519") if name.startswith("payload/") else data

    bad = rewrite(list_package, tmp_path / "bad.xyhc", change)
    into = tmp_path / "work"
    into.mkdir()
    with pytest.raises(PackageError, match="与签名清单不符"):
        up.verify_package(bad, [keys["office"][1]], extract_to=into)


@pytest.mark.parametrize("where", [0.3, 0.5, 0.7, 0.9])
def test_any_flipped_byte_in_the_file_is_refused(list_package, keys, tmp_path, where) -> None:
    data = bytearray(list_package.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    bad = tmp_path / "flipped.xyhc"
    bad.write_bytes(bytes(data))
    with pytest.raises(PackageError):
        up.verify_package(bad, [keys["office"][1]])


def test_wrong_kind_is_refused(list_package, keys) -> None:
    with pytest.raises(PackageError, match="这是失信名单包，不是目录更新包"):
        up.verify_package(list_package, [keys["office"][1]], expected_kind="catalog")


def test_unknown_kind_is_refused_even_when_signed(list_package, keys, tmp_path) -> None:
    manifest = manifest_of(list_package) | {"kind": "script"}
    bad = signed(tmp_path, keys["office"][0], manifest, {"payload/list.csv": CSV})
    with pytest.raises(PackageError, match="未知的更新包类型“script”"):
        up.verify_package(bad, [keys["office"][1]])


def test_kind_not_matching_contents_is_refused(list_package, keys, tmp_path) -> None:
    manifest = manifest_of(list_package) | {"kind": "catalog"}
    bad = signed(tmp_path, keys["office"][0], manifest, {"payload/list.csv": CSV})
    with pytest.raises(PackageError, match="声称是目录更新包"):
        up.verify_package(bad, [keys["office"][1]])


def test_extra_member_is_refused(list_package, keys, tmp_path) -> None:
    manifest = manifest_of(list_package)
    bad = signed(
        tmp_path, keys["office"][0], manifest, {"payload/list.csv": CSV, "payload/x.exe": b"MZ"}
    )
    with pytest.raises(PackageError, match="多出或缺少"):
        up.verify_package(bad, [keys["office"][1]])


@pytest.mark.parametrize("name", ["../evil.csv", "/etc/evil", "payload/../../x", "C:/x", "a\\b"])
def test_hostile_paths_are_refused(tmp_path, keys, name) -> None:
    bad = tmp_path / "hostile.xyhc"
    with zipfile.ZipFile(bad, "w") as package:
        package.writestr(zipfile.ZipInfo(name), b"x")
    with pytest.raises(PackageError, match="不安全的路径"):
        up.verify_package(bad, [keys["office"][1]])


def test_symlink_member_is_refused(tmp_path, keys) -> None:
    bad = tmp_path / "link.xyhc"
    info = zipfile.ZipInfo("payload/list.csv")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(bad, "w") as package:
        package.writestr(info, "/etc/passwd")
    with pytest.raises(PackageError, match="符号链接"):
        up.verify_package(bad, [keys["office"][1]])


def test_zip_bomb_is_refused_before_extraction(tmp_path, keys) -> None:
    bad = tmp_path / "bomb.xyhc"
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("payload/list.csv", b"\0" * (64 << 20))
    assert bad.stat().st_size < 1 << 20
    into = tmp_path / "work"
    into.mkdir()
    with pytest.raises(PackageError, match="压缩炸弹"):
        up.verify_package(bad, [keys["office"][1]], extract_to=into)
    assert list(into.iterdir()) == []


def test_not_a_zip_is_refused(tmp_path, keys) -> None:
    bad = tmp_path / "garbage.xyhc"
    bad.write_bytes(b"PK\x03\x04 but not really a zip" * 10)
    with pytest.raises(PackageError, match="不是有效的文件"):
        up.verify_package(bad, [keys["office"][1]])


def test_keys_refuse_overwrite_and_encrypted_key_needs_passphrase(tmp_path) -> None:
    pem = tmp_path / "k.pem"
    up.generate_keypair(pem, passphrase="口令123".encode())
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert b"ENCRYPTED" in pem.read_bytes()
    with pytest.raises(UsageError, match="已存在"):
        up.generate_keypair(pem)
    with pytest.raises(UsageError, match="需要口令"):
        up.load_private_key(pem)
    with pytest.raises(UsageError, match="口令不对"):
        up.load_private_key(pem, b"wrong")
    assert up.load_private_key(pem, "口令123".encode()) is not None


def test_make_refuses_bad_inputs_and_writes_nothing(tmp_path, keys) -> None:
    key = keys["office"][0]
    payload = tmp_path / "名单.txt"
    payload.write_bytes(CSV)
    out = tmp_path / "out.xyhc"
    with pytest.raises(UsageError, match=r"\.csv 或 \.xlsx"):
        up.make_package("list", payload, key, out, "信用办", category="失信被执行人")
    with pytest.raises(UsageError, match="--category"):
        up.make_package("list", payload.rename(tmp_path / "a.csv"), key, out, "信用办")
    with pytest.raises(UsageError, match="未知的更新包类型"):
        up.make_package("script", tmp_path / "a.csv", key, out, "信用办")
    assert not out.exists()
