"""Catalog versions in update packages: the credit office publishes, every PC installs the
same versions, and the diff against this PC's catalog is shown before anything changes.

A catalog versions package is a `catalog` update package (see `update_package`) whose
manifest lists, under `catalog.versions`, every imported version of the jurisdictions it
carries — the whole history, not only the newest — and whose payload holds their files
(`payload/versions/<file>`). Installing it makes this PC's versions of those jurisdictions
exactly the package's: the version files are checked (content hash, the facts the manifest
signs), copied in under their content-addressed names, and the registry is replaced in one
step. Versions of those jurisdictions that this PC imported itself and the package does not
carry stop being used (their files stay, so records made with them still find them). So two
PCs that installed the same package answer a check of the same date the same way.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.errors import AppError, PackageError
from desktop_app.models.catalog import Catalog
from desktop_app.models.catalog_versions import (
    CatalogVersions,
    VersionEntry,
    in_force_entry,
    read_registry,
    today,
    write_registry,
)

if TYPE_CHECKING:
    from desktop_app.context import AppContext
    from desktop_app.services.exchange.update_package import PackageInfo

VERSIONS_PREFIX = "payload/versions/"


def is_versions_manifest(manifest: dict[str, Any]) -> bool:
    return isinstance((manifest.get("catalog") or {}).get("versions"), list)


def payload_files(catalogs: CatalogVersions, jurisdictions: list[str] | None) -> list[Path]:
    """The version files a package of `jurisdictions` (default: every one with versions)
    carries: all their versions."""
    return [catalogs.directory / entry.file for entry in _entries(catalogs, jurisdictions)]


def _entries(catalogs: CatalogVersions, jurisdictions: list[str] | None) -> list[VersionEntry]:
    names = (
        [catalogs.resolve_jurisdiction(j) for j in jurisdictions]
        if jurisdictions
        else list(dict.fromkeys(e.jurisdiction for e in catalogs.entries()))
    )
    entries = [entry for name in names for entry in catalogs.entries(name)]
    if not entries:
        where = "、".join(names) if names else "本机"
        raise PackageError(
            f"{where}没有导入过措施目录版本，无可发布。请先用 catalog import 导入修订的措施清单。"
        )
    return entries


def manifest_part(catalogs: CatalogVersions, jurisdictions: list[str] | None) -> dict[str, Any]:
    entries = _entries(catalogs, jurisdictions)
    for entry in entries:
        if not catalogs.of_version(entry.jurisdiction, entry.number).verify():
            raise PackageError(
                f"{entry.jurisdiction}措施目录第{entry.number}版的文件与其校验值不符（已损坏或被"
                "改动），不能发布。"
            )
    return {
        "versions": [asdict(entry) for entry in entries],
        "jurisdictions": list(dict.fromkeys(entry.jurisdiction for entry in entries)),
        "base": {
            name: catalogs.base.version_info(name)["content_hash"]
            for name in dict.fromkeys(entry.jurisdiction for entry in entries)
        },
    }


def check_manifest_files(manifest: dict[str, Any], files: list[dict[str, Any]]) -> bool:
    """Whether the files of a versions package are exactly the versions its manifest names."""
    versions = manifest["catalog"]["versions"]
    try:
        named = {VERSIONS_PREFIX + str(version["file"]) for version in versions}
        [VersionEntry(**version) for version in versions]
    except (KeyError, TypeError):
        return False
    listed = {entry["name"] for entry in files}
    return bool(versions) and len(named) == len(versions) and named == listed


def _checked_entries(info: PackageInfo, workspace: Path, ctx: AppContext) -> list[VersionEntry]:
    """The package's versions, after checking each file against the signed manifest."""
    entries = []
    for version in info.manifest["catalog"]["versions"]:
        expected = VersionEntry(**version)
        try:
            ctx.catalog.resolve_jurisdiction(expected.jurisdiction)
        except AppError as problem:
            raise PackageError(
                f"更新包中的地区“{expected.jurisdiction}”不在本机的措施目录中，已拒绝。"
            ) from problem
        path = workspace / (VERSIONS_PREFIX + expected.file)
        try:
            with Catalog.open(path) as catalog:
                intact = catalog.verify() and catalog.version == expected.content_hash
                found = VersionEntry.of_file(catalog, expected.file)
        except AppError as problem:
            raise PackageError(
                f"更新包中的“{expected.file}”不是可用的措施目录版本：{problem.message}"
            ) from problem
        if not intact or found != expected:
            raise PackageError(
                f"更新包中的{expected.jurisdiction}措施目录第{expected.number}版与签名清单不符，"
                "已拒绝，未做任何更改。"
            )
        entries.append(expected)
    return entries


def preview(
    ctx: AppContext,
    info: PackageInfo,
    workspace: Path,
    entries: list[VersionEntry] | None = None,
) -> dict[str, Any]:
    """What installing the (verified, extracted) package would change: per jurisdiction the
    diff from the catalog in force today to the package's, and the versions added and
    dropped."""
    from desktop_app.services.catalog.diff import diff_catalogs

    catalogs = ctx.catalog
    if not is_versions_manifest(info.manifest):
        path = workspace / "payload" / "measures.db"
        with Catalog.open(path) as incoming:
            changes = [
                {
                    "jurisdiction": row["name"],
                    "diff": diff_catalogs(catalogs.base, incoming, row["name"]),
                }
                for row in incoming.jurisdictions()
            ]
        return {"kind": "base", "jurisdictions": changes, "added": [], "dropped": []}
    if entries is None:
        entries = _checked_entries(info, workspace, ctx)
    result: dict[str, Any] = {"kind": "versions", "jurisdictions": [], "added": [], "dropped": []}
    current = {(e.jurisdiction, e.content_hash) for e in catalogs.entries()}
    incoming = {(e.jurisdiction, e.content_hash) for e in entries}
    names = list(dict.fromkeys(e.jurisdiction for e in entries))
    result["added"] = [
        e.to_json() for e in entries if (e.jurisdiction, e.content_hash) not in current
    ]
    result["dropped"] = [
        e.to_json()
        for e in catalogs.entries()
        if e.jurisdiction in names and (e.jurisdiction, e.content_hash) not in incoming
    ]
    for name in names:
        before = catalogs.in_force(name)
        after_entry = in_force_entry([e for e in entries if e.jurisdiction == name], today())
        if after_entry is None:
            diff = diff_catalogs(before, catalogs.base, name)
        else:
            with Catalog.open(workspace / (VERSIONS_PREFIX + after_entry.file)) as after:
                diff = diff_catalogs(before, after, name)
        result["jurisdictions"].append({"jurisdiction": name, "diff": diff})
    return result


def install(ctx: AppContext, info: PackageInfo, workspace: Path) -> dict[str, Any]:
    """Install the versions of a verified, extracted package (see the module doc)."""
    catalogs = ctx.catalog
    entries = _checked_entries(info, workspace, ctx)
    summary = preview(ctx, info, workspace, entries)
    directory = catalogs.directory
    directory.mkdir(parents=True, exist_ok=True)
    for entry in entries:
        target = directory / entry.file
        if target.exists():
            with Catalog.open(target) as existing:
                same = existing.version == entry.content_hash
            if same:
                continue
            raise PackageError(
                f"本机已有同名的目录版本文件“{entry.file}”，但内容不同。请信息科检查数据目录。"
            )
        source = workspace / (VERSIONS_PREFIX + entry.file)
        temporary = Path(tempfile.mkstemp(prefix=".package-", suffix=".db", dir=directory)[1])
        try:
            shutil.copyfile(source, temporary)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
    jurisdictions = {entry.jurisdiction for entry in entries}
    kept = [e for e in read_registry(directory) if e.jurisdiction not in jurisdictions]
    write_registry(directory, [*kept, *entries])
    return {
        "versions": [entry.to_json() for entry in entries],
        "added": summary["added"],
        "dropped": summary["dropped"],
        "jurisdictions": summary["jurisdictions"],
    }


def preview_package(ctx: AppContext, path: Path) -> tuple[PackageInfo, dict[str, Any]]:
    """Verify a catalog package and say what importing it would change; nothing is written
    to the data folder."""
    from desktop_app.services.exchange import update_package

    workspace = Path(tempfile.mkdtemp(prefix="xyhc-preview-"))
    try:
        info = update_package.verify_package(
            path, ctx.config.trusted_publishers, "catalog", workspace
        )
        return info, preview(ctx, info, workspace)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def describe_changes(changes: dict[str, Any]) -> str:
    """What a catalog package changes (or changed) on this PC, for a person."""
    from desktop_app.services.catalog.diff import summary_text

    lines = ["导入后本机措施目录的变化（与今天施行的版本相比）："]
    for item in changes["jurisdictions"]:
        diff = item["diff"]
        lines.append(
            f"  {item['jurisdiction']}：{diff['old']['label']} → {diff['new']['label']}，"
            + summary_text(diff)
        )
        for row in diff["departments"][:20]:
            lines.append(
                f"    {row['department']}：新增 {row['added']}、删除 {row['removed']}、"
                f"修改 {row['changed']}"
            )
        if len(diff["departments"]) > 20:
            lines.append(f"    …… 共 {len(diff['departments'])} 个部门（--json 查看逐条差异）")
    for entry in changes.get("added", []):
        lines.append(
            f"  新增版本：{entry['jurisdiction']}{entry['label']}，来源 {entry['source_name']}"
        )
    for entry in changes.get("dropped", []):
        lines.append(
            f"  停用本机版本：{entry['jurisdiction']}{entry['label']}（不在更新包中；"
            "文件保留，用它做的核查记录不受影响）"
        )
    return "\n".join(lines)
