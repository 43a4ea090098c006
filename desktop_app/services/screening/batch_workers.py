"""Worker processes that check the rows of a large batch.

A check of a name costs milliseconds against a national list (its near misses are scored
one by one), so a file of thousands of subjects is checked by worker processes, each with
the catalog and its own read-only connection to lists.db; the batch's process stores the
results as they come back, in input order. A small file is checked in the batch's own
process: starting a worker costs about a second.
"""

from __future__ import annotations

import collections
import concurrent.futures
import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from desktop_app.models.record_types import CheckResult

# Batches of at least this many rows to check are checked by worker processes.
PARALLEL_MIN_ROWS = 400
MAX_WORKERS = 4
# Rows a worker checks per task: the unit of progress and of the cancel check.
TASK_ROWS = 50

Subject = tuple[int, str, str | None]  # (position, query, name)

_catalog: Any = None
_store: Any = None


def worker_count(rows: int) -> int:
    """How many worker processes check `rows` rows: 0 to check them in this process."""
    from desktop_app.services.lists import workers as list_workers

    count = min(MAX_WORKERS, os.cpu_count() or 1)
    # A frozen program can start workers only once its entry point called freeze_support()
    # (the same switch as the list import's workers).
    frozen = getattr(sys, "frozen", False)
    if rows < PARALLEL_MIN_ROWS or count < 2 or (frozen and not list_workers.FROZEN_WORKERS):
        return 0
    return count


def _start_worker(catalog_path: Path, data_dir: Path, lists_db: Path) -> None:
    global _catalog, _store
    from desktop_app.models import db
    from desktop_app.models.catalog_versions import CatalogVersions
    from desktop_app.models.lists_store import ListStore

    _catalog = CatalogVersions.open(catalog_path, data_dir)
    _store = ListStore(db.connect(lists_db, readonly=True))
    gc.disable()  # many short-lived results, no reference cycles
    parent = multiprocessing.parent_process()
    if parent is not None:
        # A worker waits for tasks forever if the batch's process is killed: follow it.
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: Any) -> None:
    parent.join()
    os._exit(1)


class KnownExclusions:
    """The office's remembered exclusions of the subjects of a task, read by the batch's
    process (workers do not open office.db): what `run_check` takes as `exclusions`."""

    def __init__(self, known: dict[str, dict[int, dict[str, Any]]]) -> None:
        self.known = known

    def excluded_for(self, subject_key: str) -> dict[int, dict[str, Any]]:
        return self.known.get(subject_key, {})


def known_exclusions(office_exclusions: Any, subjects: Sequence[Subject]) -> KnownExclusions:
    """The exclusions in force for the ID subjects among `subjects`."""
    from desktop_app.models.identifiers import InputKind, parse_query
    from desktop_app.services.screening.check import subject_key

    keys = []
    for _position, query, _name in subjects:
        parsed = parse_query(query)
        if parsed.error is None and parsed.kind is not InputKind.NAME:
            keys.append(subject_key(parsed.kind, parsed.value))
    # One look-up for the task's subjects, not one per subject (a server's round trips).
    return KnownExclusions(office_exclusions.excluded_for_many(keys))


def _check_rows(
    subjects: Sequence[Subject],
    jurisdiction: str,
    department: str,
    as_of: str,
    limit: int,
    exclusions: KnownExclusions,
) -> list[tuple[int, CheckResult]]:
    from desktop_app.services.screening.check import run_check

    return [
        (
            position,
            run_check(
                _catalog,
                _store,
                query,
                jurisdiction,
                department,
                name=name,
                as_of=as_of,
                limit=limit,
                exclusions=exclusions,
            ),
        )
        for position, query, name in subjects
    ]


def checked_by_workers(
    subjects: Sequence[Subject],
    workers: int,
    *,
    catalog_path: Path,
    data_dir: Path,
    lists_db: Path,
    jurisdiction: str,
    department: str,
    as_of: str,
    limit: int,
    exclusions: Any,
    cancelled: Callable[[], bool],
) -> Iterator[tuple[int, CheckResult]]:
    """(position, result) of every subject, in order, checked by `workers` processes, with
    the exclusions of `exclusions` (the office's store, read here). At most a few tasks per
    worker are in flight; when `cancelled()` says so, the tasks not started are dropped and
    iteration stops."""
    context = multiprocessing.get_context("spawn")  # safe beside Qt threads; as on Windows
    pool = concurrent.futures.ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(catalog_path, data_dir, lists_db),
    )
    pending: collections.deque[concurrent.futures.Future[list[tuple[int, CheckResult]]]] = (
        collections.deque()
    )
    try:
        for start in range(0, len(subjects), TASK_ROWS):
            part = list(subjects[start : start + TASK_ROWS])
            known = known_exclusions(exclusions, part) if exclusions else KnownExclusions({})
            pending.append(
                pool.submit(_check_rows, part, jurisdiction, department, as_of, limit, known)
            )
            while len(pending) >= 3 * workers:
                yield from pending.popleft().result()
                if cancelled():
                    return
        while pending:
            yield from pending.popleft().result()
            if cancelled():
                return
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
