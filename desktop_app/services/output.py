"""Files a user asked for (a printed record, a report, rejected rows): written whole or not
at all, with a Chinese message that says what to do when that is impossible."""

from __future__ import annotations

import os
from pathlib import Path

from desktop_app.errors import UsageError


def check_output_folder(path: Path) -> None:
    """Refuse an output file whose folder does not exist (before any work is done)."""
    if not Path(path).parent.is_dir():
        raise UsageError(f"输出目录“{Path(path).parent}”不存在，请先创建或换一个位置。")


def write_output(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file beside it, so that a reader never sees
    half a file and a failed write leaves nothing behind; returns the path."""
    path = Path(path)
    check_output_folder(path)
    temporary = path.with_name(path.name + ".part")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise UsageError(
            f"无法写入“{path}”：{error.strerror or error}。请检查磁盘空间和写入权限。"
        ) from error
    return path
