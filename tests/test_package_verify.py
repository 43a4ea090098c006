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
from desktop_app.services.exchange import update_package as up

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


def sealed(tmp_path: Path, key, members: dict[str, bytes], name: str = "crafted.xyhc") -> Path:
    """A package of arbitrary zip members, correctly signed by `key` (a trusted key in tests
    that check what lies behind the signature: a buggy or compromised publisher)."""
    inner = tmp_path / (name + ".zip")
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as package:
        for member, data in members.items():
            package.writestr(member, data)
    out = tmp_path / name
    up.seal(inner, key, out)
    return out


def members_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:  # zipfile skips the envelope in front
        return {info.filename: package.read(info) for info in package.infolist()}


def rewrite(source: Path, target: Path, change, key=None) -> Path:
    """Copy a package member by member, letting `change(name, data)` alter each member; re-sign
    with `key`, or keep the original signature (what a tamperer without the key can do)."""
    changed = {name: change(name, data) for name, data in members_of(source).items()}
    if key is not None:
        return sealed(target.parent, key, changed, target.name)
    inner = target.with_suffix(".zip")
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as package:
        for member, data in changed.items():
            package.writestr(member, data)
    header = source.read_bytes()[: len(up.ENVELOPE_MAGIC) + up.SIGNATURE_BYTES]
    target.write_bytes(header + inner.read_bytes())
    return target


def signed(tmp_path: Path, key, manifest: dict, members: dict[str, bytes]) -> Path:
    """A package with an arbitrary manifest, correctly signed by `key`."""
    manifest_bytes = json.dumps(manifest, ensure_ascii=False).encode()
    return sealed(tmp_path, key, {up.MANIFEST: manifest_bytes, **members})


def manifest_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as package:
        return json.loads(package.read(up.MANIFEST))


def test_good_package_verifies(list_package, keys) -> None:
    info = up.verify_package(list_package, [keys["stranger"][1], keys["office"][1]])
    assert info.kind == "list"
    assert info.publisher == "office"  # the name THIS PC gives the key, not the package's
    assert info.to_json()["publisher_in_package"] == "柳州市信用办"
    assert info.list_category == "失信被执行人"
    assert info.list_name == "失信被执行人"  # the list of its category, not the file's name
    assert (info.list_mode, info.manifest["format_version"]) == ("full", 3)
    assert info.files == [
        {"name": "payload/list.csv", "size": len(CSV), "sha256": hashlib.sha256(CSV).hexdigest()}
    ]


def test_extraction_writes_the_verified_bytes(list_package, keys, tmp_path) -> None:
    into = tmp_path / "work"
    into.mkdir()
    up.verify_package(list_package, [keys["office"][1]], extract_to=into)
    assert (into / "payload" / "list.csv").read_bytes() == CSV


def test_wrong_key_is_refused(list_package, keys) -> None:
    with pytest.raises(PackageError, match="不匹配"):
        up.verify_package(list_package, [keys["stranger"][1]])


def test_manifest_naming_another_publisher_is_refused(list_package, keys, tmp_path) -> None:
    manifest = manifest_of(list_package)
    manifest["publisher"]["public_key"] = keys["stranger"][1].public_key_text
    bad = signed(tmp_path, keys["office"][0], manifest, {"payload/list.csv": CSV})
    with pytest.raises(PackageError, match="发布者与签名者不一致"):
        up.verify_package(bad, [keys["office"][1], keys["stranger"][1]])


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

    bad = rewrite(list_package, tmp_path / "bad.xyhc", change, key=keys["office"][0])
    into = tmp_path / "work"
    into.mkdir()
    with pytest.raises(PackageError, match="与签名清单不符"):
        up.verify_package(bad, [keys["office"][1]], extract_to=into)


def test_any_flipped_byte_in_the_file_is_refused(list_package, keys, tmp_path) -> None:
    # Every position, not a few samples: a flip inside a compressed member surfaces as
    # zlib.error, inside a header as BadZipFile, in the signature as a bad signature.
    original = list_package.read_bytes()
    bad = tmp_path / "flipped.xyhc"
    for position in range(0, len(original), max(1, len(original) // 400)):
        data = bytearray(original)
        data[position] ^= 0x01
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
    bad = sealed(tmp_path, keys["office"][0], {name: b"x"})
    with pytest.raises(PackageError, match="不安全的路径"):
        up.verify_package(bad, [keys["office"][1]])


def test_symlink_member_is_refused(tmp_path, keys) -> None:
    inner = tmp_path / "link.zip"
    info = zipfile.ZipInfo("payload/list.csv")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(inner, "w") as package:
        package.writestr(info, "/etc/passwd")
    bad = tmp_path / "link.xyhc"
    up.seal(inner, keys["office"][0], bad)
    with pytest.raises(PackageError, match="符号链接"):
        up.verify_package(bad, [keys["office"][1]])


def test_zip_bomb_is_refused_before_extraction(tmp_path, keys) -> None:
    bad = sealed(tmp_path, keys["office"][0], {"payload/list.csv": b"\0" * (64 << 20)})
    assert bad.stat().st_size < 1 << 20
    into = tmp_path / "work"
    into.mkdir()
    with pytest.raises(PackageError, match="压缩炸弹"):
        up.verify_package(bad, [keys["office"][1]], extract_to=into)
    assert list(into.iterdir()) == []


def test_not_a_package_is_refused(tmp_path, keys) -> None:
    bad = tmp_path / "garbage.xyhc"
    bad.write_bytes(b"PK\x03\x04 but not really a zip" * 10)
    with pytest.raises(PackageError, match="不是信用核查台的更新包"):
        up.verify_package(bad, [keys["office"][1]])


def test_signed_garbage_is_refused(tmp_path, keys) -> None:
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"PK\x03\x04 but not really a zip" * 10)
    bad = tmp_path / "garbage.xyhc"
    up.seal(garbage, keys["office"][0], bad)
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
