"""Work off the GUI thread, so the window never freezes: imports, reports, prints, checks.

SQLite connections belong to the thread that opened them, so every worker opens its own
`AppContext` on the same data folder (and closes it on that thread). `Task` runs one job on
Qt's thread pool with progress and cancel; `CheckRunner` keeps one thread with its stores
open for the clerk's checks, so that a check does not pay for opening the databases.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThread, QThreadPool, Signal, Slot

from desktop_app.context import AppContext
from desktop_app.errors import AppError, DatabaseUnavailableError
from desktop_app.models.users_store import User

log = logging.getLogger(__name__)

# A job: fn(ctx, progress(done, total), cancelled()) -> result
Job = Callable[[AppContext, Callable[[int, int], None], Callable[[], bool]], Any]


class TaskSignals(QObject):
    """Signals of a `Task`; they live on the GUI thread, so slots run there."""

    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception: AppError (Chinese message) or anything else
    finished = Signal()


class Task(QRunnable):
    """One job on the thread pool, with its own `AppContext`, progress and cancel."""

    def __init__(self, data_dir: Path, job: Job, catalog_path: Path | None = None) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python keeps the reference (see `TaskRunner`)
        self.data_dir = data_dir
        self.catalog_path = catalog_path
        self.job = job
        self.signals = TaskSignals()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop at its next check point (e.g. the import's next 1000 rows)."""
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        ctx = AppContext(self.data_dir, self.catalog_path)
        try:
            result = self.job(ctx, self.signals.progress.emit, self._cancel.is_set)
        except AppError as error:
            self.signals.failed.emit(error)
        except Exception as error:  # shown to the user; never lost in a thread
            log.exception("background task failed")
            self.signals.failed.emit(error)
        else:
            self.signals.succeeded.emit(result)
        finally:
            ctx.close()
            self.signals.finished.emit()


class TaskRunner(QObject):
    """Starts tasks and keeps them alive until they finish; `wait()` at window close."""

    def __init__(self, data_dir: Path, catalog_path: Path | None = None) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.catalog_path = catalog_path
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(2)
        self._running: set[Task] = set()

    def start(
        self,
        job: Job,
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Task:
        task = Task(self.data_dir, job, self.catalog_path)
        task.signals.succeeded.connect(on_success)
        task.signals.failed.connect(on_failure)
        if on_progress is not None:
            task.signals.progress.connect(on_progress)
        task.signals.finished.connect(lambda: self._running.discard(task))
        self._running.add(task)
        self.pool.start(task)
        return task

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def wait(self) -> None:
        """Cancel what can be cancelled and wait for every task (called when closing)."""
        for task in list(self._running):
            task.cancel()
        self.pool.waitForDone()


@dataclass(frozen=True)
class CheckRequest:
    """What the clerk asked: the query (and name) for a jurisdiction and department."""

    ticket: int
    query: str
    name: str | None
    jurisdiction: str
    department: str
    user: User


class _CheckWorker(QObject):
    """Lives on the check thread: runs the check and stores it as a check record."""

    done = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, data_dir: Path, catalog_path: Path | None) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.catalog_path = catalog_path
        self._ctx: AppContext | None = None

    @Slot(object)
    def run(self, request: CheckRequest) -> None:
        from desktop_app.services import exclusions, records
        from desktop_app.services.screening.check import run_check

        try:
            if self._ctx is None:
                self._ctx = AppContext(self.data_dir, self.catalog_path)
            ctx = self._ctx
            result = run_check(
                ctx.catalog,
                ctx.lists,
                request.query,
                request.jurisdiction,
                request.department,
                name=request.name,
                exclusions=exclusions.lookup(ctx),
            )
            if result.invalid:
                self.done.emit(request.ticket, result.to_json())
                return
            self.done.emit(request.ticket, records.record_check(ctx, request.user, result))
        except DatabaseUnavailableError as error:
            # Also when the server went away while the check read remembered exclusions.
            self.failed.emit(request.ticket, error.about("本次核查"))
        except AppError as error:
            self.failed.emit(request.ticket, error)
        except Exception as error:
            log.exception("check failed")
            self.failed.emit(request.ticket, error)

    @Slot()
    def close(self) -> None:
        if self._ctx is not None:
            self._ctx.close()
            self._ctx = None


class CheckRunner(QObject):
    """The clerk's checks, one after another on a thread of their own.

    `check()` returns a ticket; `finished(ticket, record_or_result)` or `failed(ticket,
    error)` follows. A newer check makes older answers stale: the caller ignores tickets it
    no longer waits for (a check cannot be interrupted inside SQLite, but the window never
    waits for it).
    """

    finished = Signal(int, object)
    failed = Signal(int, object)
    _requested = Signal(object)

    def __init__(self, data_dir: Path, catalog_path: Path | None = None) -> None:
        super().__init__()
        self._thread = QThread()
        self._thread.setObjectName("checks")
        self._worker = _CheckWorker(data_dir, catalog_path)
        self._worker.moveToThread(self._thread)
        self._requested.connect(self._worker.run)
        self._worker.done.connect(self.finished)
        self._worker.failed.connect(self.failed)
        # Closing the stores must happen on the thread that opened them.
        self._thread.finished.connect(self._worker.close, Qt.ConnectionType.DirectConnection)
        self._thread.start()
        self._ticket = 0

    def check(
        self, query: str, name: str | None, jurisdiction: str, department: str, user: User
    ) -> int:
        self._ticket += 1
        self._requested.emit(
            CheckRequest(self._ticket, query, name, jurisdiction, department, user)
        )
        return self._ticket

    def stop(self) -> None:
        """Finish the running check, close its stores and end the thread."""
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()
