"""The data folder's lock: one holder at a time, and nothing left beside the folder after."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop_app.errors import InstanceLockedError
from desktop_app.services import instance_lock
from desktop_app.services.instance_lock import InstanceLock, lock_path


def test_the_lock_file_goes_with_the_lock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = InstanceLock(data).acquire()
    assert lock_path(data).read_text(encoding="utf-8") == str(os.getpid())
    with pytest.raises(InstanceLockedError, match="正在使用数据目录"):
        InstanceLock(data).acquire()
    first.release()
    assert not lock_path(data).exists()
    with InstanceLock(data), pytest.raises(InstanceLockedError):
        InstanceLock(data).acquire()
    assert list(tmp_path.iterdir()) == []


def test_folders_made_for_the_lock_are_removed_with_it(tmp_path: Path) -> None:
    with InstanceLock(tmp_path / "a" / "b" / "data"):
        assert (tmp_path / "a" / "b").is_dir()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name == "nt", reason="Windows cannot remove a file another process holds")
def test_a_lock_taken_on_a_removed_file_is_taken_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The holder releases (and removes the file) between our open and our lock: we locked a
    file nobody else will ever open, so `acquire` takes the new one instead."""
    data = tmp_path / "data"
    holder = InstanceLock(data).acquire()
    real_lock = instance_lock._lock
    calls = []

    def lock_after_the_holder_left(handle) -> None:
        calls.append(handle)
        if len(calls) == 1:
            holder.release()
        real_lock(handle)

    monkeypatch.setattr(instance_lock, "_lock", lock_after_the_holder_left)
    second = InstanceLock(data).acquire()
    monkeypatch.setattr(instance_lock, "_lock", real_lock)
    try:
        assert len(calls) == 2
        assert instance_lock._is_file_at(second._file, lock_path(data))
        with pytest.raises(InstanceLockedError):
            InstanceLock(data).acquire()
    finally:
        second.release()
    assert not lock_path(data).exists()
