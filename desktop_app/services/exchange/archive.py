"""Reading zip files that arrive from outside (update packages, backups) without trusting them.

Every member is checked BEFORE anything is extracted: no absolute paths, no `..`, no drive
letters or backslashes, no symbolic links, no duplicate names, and sizes that cannot fill the
disk (a total limit, and a compression-ratio limit against zip bombs). Extraction streams each
member, never writes more than the size its header declares, and returns its SHA-256 so the
caller can compare it with a manifest.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from desktop_app.errors import DataError

CHUNK = 1 << 20
MAX_MEMBERS = 10_000
# A national list as CSV is a few GB; nothing legitimate compresses better than ~50:1 here.
MAX_TOTAL_BYTES = 64 << 30
MAX_RATIO = 200
RATIO_CHECK_FROM = 16 << 20


def sha256_file(path: Path) -> str:
    """SHA-256 (hex) of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def open_checked(
    path: Path,
    what: str,
    error: Callable[..., DataError],
    max_total: int = MAX_TOTAL_BYTES,
) -> zipfile.ZipFile:
    """Open the zip at `path` and refuse it (raising `error(message)`) if any member is unsafe.

    `what` names the file for the message, e.g. "更新包" or "备份文件".
    """
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError as problem:
        raise error(f"找不到{what} {path}，请检查路径。") from problem
    except (zipfile.BadZipFile, OSError) as problem:
        raise error(
            f"{what} {path} 不是有效的文件（已损坏或不是本程序生成的），未做任何更改。"
        ) from (problem)
    try:
        _check_members(archive, what, error, max_total)
    except BaseException:
        archive.close()
        raise
    return archive


def _check_members(
    archive: zipfile.ZipFile, what: str, error: Callable[..., DataError], max_total: int
) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise error(f"{what}中的文件过多（{len(members)} 个），已拒绝。")
    seen: set[str] = set()
    total = 0
    for info in members:
        name = info.filename
        if not safe_member_name(name):
            raise error(
                f"{what}中含有不安全的路径“{name}”（绝对路径或 ..），已拒绝，未做任何更改。"
            )
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise error(f"{what}中含有符号链接“{name}”，已拒绝，未做任何更改。")
        if name in seen:
            raise error(f"{what}中有重名的文件“{name}”，已拒绝。")
        seen.add(name)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_CHECK_FROM and ratio > MAX_RATIO:
            raise error(
                f"{what}中的“{name}”解压后异常巨大（压缩比 {ratio:.0f}:1），疑似压缩炸弹，已拒绝。"
            )
    if total > max_total:
        raise error(f"{what}解压后共 {total / 2**30:.1f} GB，超过上限，已拒绝。")


def safe_member_name(name: str) -> bool:
    """True for a plain relative path inside the archive (forward slashes, no `..`)."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return False
    parts = PurePosixPath(name).parts
    if any(part in ("..", "") for part in parts):
        return False
    # "C:x" or "C:" as a first part would be a drive on Windows.
    return ":" not in parts[0]


def check_free_space(folder: Path, needed: int, what: str, error: Callable[..., DataError]) -> None:
    """Refuse before writing anything when `folder`'s disk cannot hold `needed` bytes (+10 %)."""
    free = shutil.disk_usage(folder).free
    if free < needed * 1.1:
        raise error(
            f"磁盘空间不足：{what}需要约 {needed / 2**20:.0f} MB，{folder} 所在磁盘只剩 "
            f"{free / 2**20:.0f} MB。请清理磁盘后再试，未做任何更改。"
        )


def extract_member(
    archive: zipfile.ZipFile, name: str, destination: Path, error: Callable[..., DataError]
) -> str:
    """Stream one member to `destination`; returns its SHA-256 (hex).

    Writes at most the size declared in the member's header, so a lying header cannot fill the
    disk; a CRC error or truncated data is reported through `error`.
    """
    info = archive.getinfo(name)
    digest = hashlib.sha256()
    written = 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        with archive.open(info) as source, open(destination, "wb") as target:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > info.file_size:
                    raise error(f"“{name}”的实际大小超过其声明，已拒绝。")
                digest.update(chunk)
                target.write(chunk)
    except (zipfile.BadZipFile, EOFError, zlib.error) as problem:
        raise error(f"“{name}”已损坏，无法解压（{problem}），未做任何更改。") from problem
    except OSError as problem:
        raise error(
            f"无法写入 {destination}（{problem.strerror}），请检查磁盘空间和权限，未做任何更改。"
        ) from problem
    return digest.hexdigest()
