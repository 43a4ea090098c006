"""One program per data folder: an operating-system lock that the window and restore share.

The lock is a file beside the data folder (`<data folder>.lock`), not inside it, because a
restore swaps the whole folder by renaming it, which Windows refuses while a file inside is
open. The lock is taken with `fcntl.flock` (Linux) or `msvcrt.locking` (Windows): the operating
system releases it when the process ends, even after a crash, so a stale lock file never blocks
anyone. `release` removes the file (nothing is left beside the folder); on Linux the holder
removes it while it still holds the lock, and `acquire` retries when the file it locked is no
longer the one at the path, so that two processes never both hold a lock.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import IO

from desktop_app.errors import InstanceLockedError


def lock_path(data_dir: Path) -> Path:
    """The lock file that guards `data_dir`."""
    data_dir = Path(data_dir).absolute()
    return data_dir.with_name(data_dir.name + ".lock")


class InstanceLock:
    """Holds the data folder for this process; `acquire` raises `InstanceLockedError` if taken.

    Use as a context manager, or call `acquire()` at window start and `release()` at exit.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = lock_path(self.data_dir)
        self._file: IO[str] | None = None
        self._made: list[Path] = []  # folders made for the lock file, removed with it if empty

    def acquire(self) -> InstanceLock:
        """Take the lock without waiting; refuse with a Chinese message when another holds it."""
        if self._file is not None:
            return self
        self._made = [p for p in (self.path.parent, *self.path.parent.parents) if not p.exists()]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held until release)
            try:
                _lock(handle)
            except OSError as error:
                holder = _holder(handle)
                handle.close()
                raise InstanceLockedError(
                    f"另一个信用核查台（进程 {holder}）正在使用数据目录 {self.data_dir}。"
                    "请先关闭它（或等它完成当前操作）再试。",
                    data_dir=str(self.data_dir),
                    holder=holder,
                ) from error
            if _is_file_at(handle, self.path):
                break
            # The holder released and removed the file between our open and our lock.
            _unlock(handle)
            handle.close()
        # Who holds it, for the message another process shows; the lock itself is the OS's.
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        """Give the folder back (also happens when the process ends)."""
        if self._file is None:
            return
        handle, self._file = self._file, None
        try:
            handle.seek(0)
            handle.truncate()
            if sys.platform != "win32":
                self.path.unlink(missing_ok=True)  # still held: nobody can take the old file
            _unlock(handle)
        finally:
            handle.close()
        if sys.platform == "win32":
            # Windows refuses while another process has the file open; then it stays.
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)
        for folder in self._made:
            with contextlib.suppress(OSError):  # not empty: someone put something there
                folder.rmdir()
        self._made = []

    @property
    def held(self) -> bool:
        return self._file is not None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def _is_file_at(handle: IO[str], path: Path) -> bool:
    """Whether the open file is still the one at `path` (not removed or replaced)."""
    try:
        return os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
    except OSError:
        return False


def _holder(handle: IO[str]) -> str:
    try:
        handle.seek(0)
        return handle.read().strip() or "未知"
    except OSError:  # Windows forbids reading a range another process has locked
        return "未知"


if sys.platform == "win32":
    import msvcrt

    def _lock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
