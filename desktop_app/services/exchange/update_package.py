"""Offline update packages: a catalog or a dishonesty list as one signed file for a USB stick.

A package is a signed envelope around a zip:
- `ENVELOPE_MAGIC`, then the 64-byte Ed25519 signature of `ENVELOPE_MAGIC + SHA-256(zip)`,
  then the zip's bytes;
- the zip holds `manifest.json` (format, kind (`catalog` | `list`), created_at (UTC),
  publisher name and Ed25519 public key, every payload file with its size and SHA-256, and for
  a list its category, the name of the list it updates (by default the category: never the
  file's name) and the import mode (`full` | `incremental`), for a catalog its content hash
  (`Catalog.version`)) and
  `payload/…`: the catalog (`payload/measures.db`) or the list file (`payload/list.csv` or
  `payload/list.xlsx`).
The signature covers every byte after it, so a package signed by a key this PC does not trust,
or with any byte altered, is refused before its zip is even opened; then the manifest must
describe the zip exactly (kind, members, sizes, hashes). Nothing is changed by a refused
package: payloads are extracted into a temporary folder and only an import that passed every
check touches the data folder.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app import APP_ID, __version__
from desktop_app.config import TrustedPublisher
from desktop_app.errors import PackageError, UsageError
from desktop_app.models import installed_catalog
from desktop_app.services.exchange import archive

if TYPE_CHECKING:
    from desktop_app.context import AppContext
    from desktop_app.models.users_store import User

FORMAT = f"{APP_ID}-update"
# List packages carry their import mode since format 3, which a program that knows only
# format 2 refuses (it would import an incremental list as a full one and revoke the rest).
# Catalog packages stay at 2. Packages of format 2 are still read: a full import, and a list
# named by its file's name (the old default) updates the list of its category.
FORMAT_VERSION = 2
LIST_FORMAT_VERSION = 3
READ_FORMAT_VERSIONS = (2, 3)
KINDS = {"catalog": "目录更新包", "list": "失信名单包"}
ENVELOPE_MAGIC = b"XYHC-UPDATE-PACKAGE/2\n"
SIGNATURE_BYTES = 64
MANIFEST = "manifest.json"
CATALOG_MEMBER = "payload/measures.db"
LIST_SUFFIXES = (".csv", ".xlsx")
MAX_MANIFEST_BYTES = 1 << 20
HISTORY = "packages/imported.json"
LIST_MODES = ("full", "incremental")


@dataclass(frozen=True)
class PackageInfo:
    """A package whose signature and contents were verified."""

    path: Path
    kind: str
    created_at: str
    publisher: str  # the name this PC's configuration gives the signing key
    publisher_key: str  # base64 Ed25519 public key
    files: list[dict[str, Any]]
    manifest: dict[str, Any] = field(repr=False)

    @property
    def list_category(self) -> str | None:
        return (self.manifest.get("list") or {}).get("category")

    @property
    def list_name(self) -> str | None:
        """The list the package updates. A format-2 package named its list after the file
        by default: such a name means the list of its category."""
        info = self.manifest.get("list") or {}
        name = info.get("name")
        source = info.get("source_name")
        if self.manifest.get("format_version") == 2 and source and name == Path(source).stem:
            return info.get("category")
        return name

    @property
    def list_mode(self) -> str:
        return (self.manifest.get("list") or {}).get("mode") or "full"

    @property
    def catalog_version(self) -> str | None:
        return (self.manifest.get("catalog") or {}).get("version")

    def to_json(self) -> dict[str, Any]:
        """The fields `package verify --json` prints."""
        return {
            "file": str(self.path),
            "valid": True,
            "kind": self.kind,
            "kind_text": KINDS[self.kind],
            "created_at": self.created_at,
            "publisher": self.publisher,
            "publisher_in_package": self.manifest["publisher"]["name"],
            "publisher_key": self.publisher_key,
            "files": self.files,
            "list": self.manifest.get("list"),
            "catalog": self.manifest.get("catalog"),
            "made_with": self.manifest.get("made_with"),
        }


# -- keys (credit office) ------------------------------------------------------------------


def generate_keypair(private_out: Path, passphrase: bytes | None = None) -> str:
    """Make a publisher key: writes the private key (PEM, owner-only) and returns the public key.

    The public key (base64 of its 32 raw bytes) goes into every office PC's configuration
    under `[[trusted_publishers]]`. With a passphrase the PEM is encrypted.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private_out = Path(private_out)
    if private_out.exists():
        raise UsageError(f"{private_out} 已存在。为免覆盖现有私钥，请换一个文件名。")
    key = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    private_out.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(private_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return _public_text(key.public_key())


def load_private_key(path: Path, passphrase: bytes | None = None) -> Any:
    """Load a publisher's Ed25519 private key, with a Chinese message for every way it fails."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UsageError(f"无法读取私钥文件 {path}：{error.strerror}。") from error
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError as error:
        needs = (
            "需要口令（用 --password-stdin 提供）" if passphrase is None else "未加密，不要提供口令"
        )
        raise UsageError(f"私钥文件 {path} {needs}。") from error
    except ValueError as error:
        raise UsageError(f"私钥文件 {path} 无法读取：口令不对，或不是 PEM 格式的私钥。") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"私钥文件 {path} 不是 Ed25519 私钥，请用 package keygen 生成。")
    return key


def _public_text(public_key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


# -- making a package (credit office) ------------------------------------------------------


def make_package(
    kind: str,
    payload: Path,
    private_key: Any,
    out: Path,
    publisher: str,
    category: str | None = None,
    list_name: str | None = None,
    now: datetime | None = None,
    mode: str = "full",
) -> dict[str, Any]:
    """Write a signed package of `payload` to `out`; returns its manifest.

    For a catalog the payload must open with `Catalog.open`; for a list it is a `.csv` or
    `.xlsx` file and `category` is required (the category every subject of the list is in).
    A list package updates the list `list_name`, by default the list of its category (as a
    list import does), never one named after the file; `mode` is how it is imported.
    """
    payload = Path(payload)
    if kind not in KINDS:
        raise UsageError(f"未知的更新包类型“{kind}”，只能是 catalog（目录）或 list（名单）。")
    if not payload.is_file():
        raise UsageError(f"找不到文件 {payload}，请检查路径。")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "created_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "publisher": {"name": publisher, "public_key": _public_text(private_key.public_key())},
        "made_with": f"{APP_ID} {__version__}",
    }
    if kind == "catalog":
        member = CATALOG_MEMBER
        manifest["catalog"] = {"version": _catalog_version(payload, PackageError)}
    else:
        if not category or not category.strip():
            raise UsageError("名单包必须用 --category 指明联合惩戒对象类别，例如 失信被执行人。")
        suffix = payload.suffix.lower()
        if suffix not in LIST_SUFFIXES:
            raise UsageError(f"名单文件须为 .csv 或 .xlsx，{payload.name} 不是。")
        if mode not in LIST_MODES:
            raise UsageError(f"名单包的导入方式只能是 full 或 incremental，不能是“{mode}”。")
        member = f"payload/list{suffix}"
        manifest["format_version"] = LIST_FORMAT_VERSION
        manifest["list"] = {
            "category": category.strip(),
            "name": " ".join((list_name or category).split()),
            "source_name": payload.name,
            "mode": mode,
        }
    manifest["files"] = [
        {"name": member, "size": payload.stat().st_size, "sha256": archive.sha256_file(payload)}
    ]
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    inner = out.with_name(out.name + ".zip.tmp")
    try:
        with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as package:
            package.writestr(MANIFEST, manifest_bytes)
            package.write(payload, member)
        seal(inner, private_key, out)
    finally:
        inner.unlink(missing_ok=True)
    return manifest


def make_catalog_versions_package(
    catalogs: Any,
    private_key: Any,
    out: Path,
    publisher: str,
    jurisdictions: list[str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write a signed package of every imported catalog version of `jurisdictions` (default:
    all that have versions) to `out`; returns its manifest (see `catalog_package`)."""
    from desktop_app.services.exchange import catalog_package

    part = catalog_package.manifest_part(catalogs, jurisdictions)
    files = catalog_package.payload_files(catalogs, jurisdictions)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": "catalog",
        "created_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "publisher": {"name": publisher, "public_key": _public_text(private_key.public_key())},
        "made_with": f"{APP_ID} {__version__}",
        "catalog": part,
        "files": [
            {
                "name": catalog_package.VERSIONS_PREFIX + path.name,
                "size": path.stat().st_size,
                "sha256": archive.sha256_file(path),
            }
            for path in files
        ],
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    inner = out.with_name(out.name + ".zip.tmp")
    try:
        with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as package:
            package.writestr(MANIFEST, manifest_bytes)
            for path in files:
                package.write(path, catalog_package.VERSIONS_PREFIX + path.name)
        seal(inner, private_key, out)
    finally:
        inner.unlink(missing_ok=True)
    return manifest


def seal(zip_path: Path, private_key: Any, out: Path) -> None:
    """Write `out`: the envelope signing every byte of the zip at `zip_path` with `private_key`."""
    signature = private_key.sign(_signed_message(_sha256_from(Path(zip_path), 0)))
    temporary = Path(out).with_name(Path(out).name + ".tmp")
    with open(temporary, "wb") as target, open(zip_path, "rb") as source:
        target.write(ENVELOPE_MAGIC + signature)
        shutil.copyfileobj(source, target, archive.CHUNK)
    os.replace(temporary, out)


def _signed_message(zip_digest: bytes) -> bytes:
    return ENVELOPE_MAGIC + zip_digest


def _sha256_from(path: Path, offset: int) -> bytes:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        handle.seek(offset)
        while chunk := handle.read(archive.CHUNK):
            digest.update(chunk)
    return digest.digest()


# -- verifying (every office PC) -----------------------------------------------------------


def verify_package(
    path: Path,
    trusted: Sequence[TrustedPublisher],
    expected_kind: str | None = None,
    extract_to: Path | None = None,
) -> PackageInfo:
    """Check signature, structure and every payload byte; raise `PackageError` if anything fails.

    With `extract_to`, the payload files are written there (under their member names) while
    being hashed, so an import reads exactly the bytes that were verified.
    """
    path = Path(path)
    publisher = _check_envelope(path, trusted)
    # zipfile reads an archive with data in front of it (the envelope) like any other.
    with archive.open_checked(path, "更新包", PackageError) as package:
        names = set(package.namelist())
        if MANIFEST not in names:
            raise PackageError(f"{path.name} 不是信用核查台的更新包（缺少清单），已拒绝。")
        manifest = _parse_manifest(_read_small(package, MANIFEST, MAX_MANIFEST_BYTES))
        claimed = manifest.get("publisher")
        if not isinstance(claimed, dict) or claimed.get("public_key") != publisher.public_key_text:
            raise PackageError("更新包清单中的发布者与签名者不一致，已拒绝，未做任何更改。")
        kind = _check_kind(manifest, expected_kind)
        files = _check_files(manifest, names, package, kind)
        if extract_to is not None:
            needed = sum(entry["size"] for entry in files)
            archive.check_free_space(extract_to, needed, "导入更新包", PackageError)
        for entry in files:
            if extract_to is not None:
                digest = archive.extract_member(
                    package, entry["name"], extract_to / entry["name"], PackageError
                )
            else:
                digest = _hash_member(package, entry["name"])
            if digest != entry["sha256"]:
                raise PackageError(
                    f"更新包中的“{entry['name']}”与签名清单不符（内容被改动或已损坏），已拒绝，"
                    "未做任何更改。"
                )
    return PackageInfo(
        path=path,
        kind=kind,
        created_at=manifest["created_at"],
        publisher=publisher.name,
        publisher_key=publisher.public_key_text,
        files=files,
        manifest=manifest,
    )


def _read_small(package: zipfile.ZipFile, name: str, limit: int) -> bytes:
    if package.getinfo(name).file_size > limit:
        raise PackageError(f"更新包中的“{name}”过大，已拒绝。")
    try:
        return package.read(name)
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise PackageError(f"更新包中的“{name}”已损坏，已拒绝，未做任何更改。") from error


def _parse_manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise PackageError("更新包的清单无法读取（已损坏），已拒绝，未做任何更改。") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PackageError("这不是信用核查台的更新包（清单格式不符），已拒绝。")
    if manifest.get("format_version") not in READ_FORMAT_VERSIONS:
        raise PackageError(
            f"更新包格式版本 {manifest.get('format_version')} 本程序不支持，"
            "请升级信用核查台后再导入。"
        )
    return manifest


def _check_envelope(path: Path, trusted: Sequence[TrustedPublisher]) -> TrustedPublisher:
    """The trusted publisher whose key signed every byte after the envelope's header."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    header = len(ENVELOPE_MAGIC) + SIGNATURE_BYTES
    try:
        with open(path, "rb") as handle:
            head = handle.read(header)
    except FileNotFoundError as problem:
        raise PackageError(f"找不到更新包 {path}，请检查路径。") from problem
    except OSError as problem:
        raise PackageError(f"无法读取更新包 {path}：{problem.strerror}。") from problem
    if len(head) < header or not head.startswith(ENVELOPE_MAGIC):
        raise PackageError(
            f"{path.name} 不是信用核查台的更新包（或格式过旧、已损坏），已拒绝，未做任何更改。"
        )
    if not trusted:
        raise PackageError(
            "本机尚未配置可信发布者公钥，无法验证更新包。请信息科以管理员身份运行 "
            "config trust 发布单位名称 公钥（公钥由信用办的 package keygen 给出），"
            "或在本机配置文件的 [[trusted_publishers]] 中填入（见 docs/CONFIG.md）。"
        )
    message = _signed_message(_sha256_from(path, header))
    for publisher in trusted:
        try:
            Ed25519PublicKey.from_public_bytes(publisher.public_key).verify(
                head[len(ENVELOPE_MAGIC) :], message
            )
        except InvalidSignature:
            continue
        return publisher
    raise PackageError(
        "更新包的签名与本机信任的发布者公钥都不匹配：它不是可信发布者签发的，"
        "或签名后被改动过。已拒绝，未做任何更改。"
    )


def _check_kind(manifest: dict[str, Any], expected_kind: str | None) -> str:
    kind = manifest.get("kind")
    if kind not in KINDS:
        raise PackageError(f"未知的更新包类型“{kind}”，本程序只接受目录更新包和失信名单包。")
    if expected_kind is not None and kind != expected_kind:
        raise PackageError(
            f"这是{KINDS[kind]}，不是{KINDS.get(expected_kind, expected_kind)}。"
            "请选择正确的文件，未做任何更改。"
        )
    return kind


def _check_files(
    manifest: dict[str, Any], names: set[str], package: zipfile.ZipFile, kind: str
) -> list[dict[str, Any]]:
    from desktop_app.services.exchange import catalog_package

    files = manifest.get("files")
    malformed = PackageError("更新包清单中的文件列表不完整，已拒绝。")
    versions = kind == "catalog" and catalog_package.is_versions_manifest(manifest)
    if not isinstance(files, list) or not files or (len(files) != 1 and not versions):
        raise malformed
    for entry in files:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("sha256"), str)
            and isinstance(entry.get("size"), int)
        ):
            raise malformed
    listed = {entry["name"] for entry in files}
    if names != listed | {MANIFEST}:
        raise PackageError("更新包中的文件与清单不一致（有多出或缺少的文件），已拒绝。")
    if versions:
        if not catalog_package.check_manifest_files(manifest, files):
            raise PackageError(f"更新包声称是{KINDS[kind]}，但内容不是，已拒绝。")
        for entry in files:
            if package.getinfo(entry["name"]).file_size != entry["size"]:
                raise PackageError(f"更新包中的“{entry['name']}”大小与清单不符，已拒绝。")
        return files
    (entry,) = files
    if kind == "catalog":
        consistent = entry["name"] == CATALOG_MEMBER and bool(
            (manifest.get("catalog") or {}).get("version")
        )
    else:
        info = manifest.get("list") or {}
        consistent = (
            entry["name"] in {f"payload/list{suffix}" for suffix in LIST_SUFFIXES}
            and bool(info.get("category"))
            and bool(info.get("name"))
            and info.get("mode", "full") in LIST_MODES
            and (manifest.get("format_version") == LIST_FORMAT_VERSION or "mode" not in info)
        )
    if not consistent:
        raise PackageError(f"更新包声称是{KINDS[kind]}，但内容不是，已拒绝。")
    if package.getinfo(entry["name"]).file_size != entry["size"]:
        raise PackageError(f"更新包中的“{entry['name']}”大小与清单不符，已拒绝。")
    return files


def _hash_member(package: zipfile.ZipFile, name: str) -> str:

    digest = hashlib.sha256()
    try:
        with package.open(name) as source:
            while chunk := source.read(archive.CHUNK):
                digest.update(chunk)
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise PackageError(f"更新包中的“{name}”已损坏（校验失败），已拒绝。") from error
    return digest.hexdigest()


def _catalog_version(path: Path, error: type[PackageError] | type[UsageError]) -> str:
    """The content hash of the catalog at `path`, after recomputing it from the content."""
    from desktop_app.errors import DataError
    from desktop_app.models.catalog import Catalog

    try:
        catalog = Catalog.open(path)
    except DataError as problem:
        raise error(f"{path.name} 不是可用的措施目录：{problem.message}") from problem
    try:
        if not catalog.verify():
            raise error(f"措施目录 {path.name} 的内容与其记录的校验值不符（已损坏或被改动）。")
        return catalog.version
    finally:
        catalog.close()


# -- importing (admin on an office PC) -----------------------------------------------------


def import_package(
    ctx: AppContext,
    path: Path,
    user: User | None = None,
    expected_kind: str | None = None,
    *,
    dry_run: bool = False,
    confirm_revocations: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    announce: Callable[[dict[str, Any]], None] | None = None,
    rescreen: bool = True,
) -> dict[str, Any]:
    """Verify and import a package into `ctx`'s data folder as `user`; returns what was done
    (`package`, `result` as JSON data, and for a list the `report` itself).

    Once accounts exist only an admin may import. A list goes through the list importer
    (one transaction, its guards and its audit, see `admin.import_list_file`) as a new
    version of the list the package names, in the package's mode; `dry_run` previews it and
    `confirm_revocations` confirms the revocations a refusal reported; `announce(target)` is
    told which list and version it will update (`list_target`) before. A catalog replaces
    the data folder's catalog only after it opened and its content hash matched the signed
    manifest. A package older than the last one imported for the same catalog or list is
    refused, so an old USB stick cannot roll data back. A successful import is audited;
    a list's is followed by the re-check of stored checks unless `rescreen` is False.
    """
    from desktop_app.services import accounts, admin, audit
    from desktop_app.services.exchange import catalog_package

    data_dir = Path(ctx.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    workspace = Path(tempfile.mkdtemp(prefix=".package-", dir=data_dir))
    report = None
    try:
        info = verify_package(path, ctx.config.trusted_publishers, expected_kind, workspace)
        accounts.require_once_accounts_exist(
            ctx, user, "lists.import" if info.kind == "list" else "settings.change"
        )
        _refuse_rollback(data_dir, info)
        about = {
            "package": info.path.name,
            "created_at": info.created_at,
            "publisher": info.publisher,
            "files": info.files,
        }
        if info.kind == "catalog":
            if dry_run:
                raise UsageError("目录更新包不能预览：请用 package verify 查看它将带来的变化。")
            if catalog_package.is_versions_manifest(info.manifest):
                result = catalog_package.install(ctx, info, workspace)
            else:
                result = _install_catalog(ctx, info, workspace / CATALOG_MEMBER)
            audit.log_event(
                ctx,
                user,
                "catalog_import",
                details={**about, "catalog": info.manifest.get("catalog")},
            )
        else:
            target = list_target(ctx, info)
            if announce is not None:
                announce(target)
            assert info.list_category is not None
            report = admin.import_list_file(
                ctx,
                user,
                workspace / info.files[0]["name"],
                info.list_category,
                list_name=info.list_name,
                mode=info.list_mode,
                dry_run=dry_run,
                confirm_revocations=confirm_revocations,
                file_name=info.manifest["list"].get("source_name"),
                audit_details={**about, "package_list": info.manifest.get("list")},
                progress=progress,
                cancel=cancel,
                rescreen=rescreen,
            )
            result = {**report.to_json(), "summary": report.summary(), "target": target}
        if not dry_run:
            _remember(data_dir, info)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    outcome = {"package": info.to_json(), "result": result}
    if report is not None:
        outcome["report"] = report  # the ImportReport itself, for the window
    return outcome


def list_target(ctx: AppContext, info: PackageInfo) -> dict[str, Any]:
    """Which list a list package updates, and from which version to which."""
    from desktop_app.services.lists.demo_mark import demo_name_of

    name, category = info.list_name, info.list_category
    payload = info.files[0]
    # The importer names a bundled demo file's list as demo data: say so beforehand too.
    name = demo_name_of(payload["size"], payload["sha256"], name) or name
    current = ctx.lists.latest_version(name) if name else None
    existing_category = ctx.lists.list_category(name) if name else None
    return {
        "list": name,
        "category": category,
        "mode": info.list_mode,
        "current_version": current["version_no"] if current else None,
        "new_version": (current["version_no"] if current else 0) + 1,
        "category_conflict": existing_category is not None and existing_category != category,
    }


def describe_target(target: dict[str, Any]) -> str:
    """A sentence saying which list and version a list package will update."""
    mode = (
        "完整名单：包中没有的记录将被撤销" if target["mode"] == "full" else "增量更新：只新增和变更"
    )
    if target["current_version"] is None:
        return f"导入后将新建名单“{target['list']}”（{target['category']}），为第 1 版（{mode}）。"
    return (
        f"导入后将更新名单“{target['list']}”（{target['category']}）：当前第 "
        f"{target['current_version']} 版 → 第 {target['new_version']} 版（{mode}）。"
    )


def _history_key(info: PackageInfo) -> str:
    if info.kind == "catalog" and "versions" in (info.manifest.get("catalog") or {}):
        return "catalog_versions:" + "、".join(sorted(info.manifest["catalog"]["jurisdictions"]))
    if info.kind == "catalog":
        return "catalog"
    return f"list:{info.list_category}:{info.list_name}"


def _read_history(data_dir: Path) -> dict[str, Any]:
    try:
        history = json.loads((data_dir / HISTORY).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return history if isinstance(history, dict) else {}


def _refuse_rollback(data_dir: Path, info: PackageInfo) -> None:
    last = _read_history(data_dir).get(_history_key(info))
    if isinstance(last, dict) and str(last.get("created_at", "")) > info.created_at:
        raise PackageError(
            f"此{KINDS[info.kind]}（{info.created_at}）比已导入的（{last['created_at']}）旧，"
            "导入会使数据倒退，已拒绝，未做任何更改。"
        )


def _remember(data_dir: Path, info: PackageInfo) -> None:
    history = _read_history(data_dir)
    history[_history_key(info)] = {
        "created_at": info.created_at,
        "publisher": info.publisher,
        "file": info.path.name,
        "imported_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    target = data_dir / HISTORY
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(json.dumps(history, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(temporary, target)


def _install_catalog(ctx: AppContext, info: PackageInfo, extracted: Path) -> dict[str, Any]:
    from desktop_app import paths

    version = _catalog_version(extracted, PackageError)
    if version != info.catalog_version:
        raise PackageError("目录的内容校验值与签名清单不符，已拒绝，未做任何更改。")
    bundled = paths.catalog_path()
    bundled_version = _catalog_version(bundled, PackageError) if bundled.is_file() else None
    target = installed_catalog.installed_catalog_path(ctx.data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = installed_catalog.read_install_record(ctx.data_dir)
    # The workspace is inside the data folder (same file system), so os.replace is atomic: a
    # reader sees the old catalog or the new one, whole.
    os.replace(extracted, target)
    installed_catalog.write_install_record(
        ctx.data_dir,
        {
            "version": version,
            "created_at": info.created_at,
            "publisher": info.publisher,
            "package": info.path.name,
            "bundled_version": bundled_version,
        },
    )
    return {
        "installed": str(target),
        "version": version,
        "previous_version": previous.get("version") if previous else bundled_version,
    }
