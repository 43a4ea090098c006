"""Errors a person can meet, each with a Chinese message that says what to do.

The CLI prints `message` and exits with `exit_code`; the window shows it in a dialog.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class AppError(Exception):
    """Base of every error shown to a user. `message` is Chinese and actionable."""

    exit_code = 1

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_json(self) -> dict[str, object]:
        return {"error": self.message, "kind": type(self).__name__, **self.details}


class UsageError(AppError):
    """Wrong or unknown input on the command line or in a form (exit status 2)."""

    exit_code = 2


class UnknownNameError(UsageError):
    """A jurisdiction, department or category that the catalog does not know."""

    def __init__(
        self, what: str, name: str, suggestions: list[str], known: list[str] | None = None
    ) -> None:
        """`known`: every name there is, listed when there are few (the jurisdictions)."""
        hint = f"您是否要找：{'、'.join(suggestions)}？" if suggestions else ""
        if known:
            hint += f"目录中的{what}：{'、'.join(known)}。"
        super().__init__(
            f"未找到{what}“{name}”。{hint or '请检查拼写。'}",
            name=name,
            suggestions=suggestions,
            **({"known": known} if known else {}),
        )
        self.suggestions = suggestions


class InvalidInputError(UsageError):
    """A query that cannot be checked as typed, e.g. an ID with a wrong check digit."""


class DataError(AppError):
    """A data file or database that cannot be used as it is (nothing was written)."""


class DamagedDatabaseError(DataError):
    """A working database file that SQLite cannot read (damaged, truncated, not a database)."""

    def __init__(self, path: object) -> None:
        super().__init__(
            f"数据库文件“{path}”已损坏或不是本程序的数据库，无法打开，未作任何更改。"
            "请从备份恢复数据目录（backup restore），或请信息科检查该文件。",
            path=str(path),
        )


class PermissionDeniedError(AppError):
    """The acting user's role does not allow this action (exit status 7, like a refused
    login: 3 is `check`'s "not conclusive", and a script must tell the two apart)."""

    exit_code = 7


class AuthenticationError(AppError):
    """A refused login: one message and kind whatever the reason (unknown name, wrong
    password, disabled or locked account), so that it never tells whether an account exists."""

    exit_code = 7


class ConfigError(DataError):
    """A configuration or settings file that cannot be read; the message names file and line."""


class InstanceLockedError(AppError):
    """Another copy of the program is using the same data folder."""

    exit_code = 4


class PackageError(DataError):
    """An update package that is refused (signature, contents, kind); nothing was changed."""


class BackupError(DataError):
    """A backup that cannot be made or restored; nothing was replaced."""


class AuditHeadError(DataError):
    """The audit log's head row (audit_head) is missing or damaged: no entry can be appended
    until an administrator has looked (`audit verify`, `audit repair-head`)."""


class RestoreRollbackError(BackupError):
    """A restore would roll the audit log back (or replace another office's log): it needs
    explicit confirmation; nothing was replaced. `details` say by how many audit entries and
    records (see `services.exchange.rollback`). Exit status 5, as a list import that needs a
    confirmation."""

    exit_code = 5


class UserExistsError(UsageError):
    """A user name that is already taken, or a second `init-admin`."""


class RecordNotFoundError(UsageError):
    """A check record number (or version) that the office database does not hold."""


class SigningKeyError(DataError):
    """The department's signing key or certificate cannot be used (missing secret, expired)."""


class CertificateImportError(UsageError):
    """A certificate file for import that is refused (password, key usage, validity, key)."""


class ListFileError(DataError):
    """A list file that cannot be imported (format, encoding, hostile content); nothing was
    written."""


class ImportCancelledError(AppError):
    """The user cancelled a list import; the lists database is unchanged."""

    exit_code = 130


class ImportRefusedError(AppError):
    """A list import refused by a guard (it would empty the list, or revoke more listings
    than an update usually does, without confirmation); the lists database is unchanged.
    `details` carry the import's report and the number of revocations to confirm."""

    exit_code = 5
    report: object = None  # the ImportReport, set where the import is refused


class DatabaseUnavailableError(DataError):
    """The office database server cannot be reached, or the connection broke during a unit of
    work: what was being stored is not stored (the server rolled it back), and nothing was
    kept on this PC instead. `about(what)` words the message for one action (a check…).
    Exit status 6: worth retrying once the server is back."""

    exit_code = 6

    def __init__(
        self, message: str, *, server: str = "", reason: str = "", unknown: bool = False
    ) -> None:
        super().__init__(message, server=server, reason=reason, outcome_unknown=unknown)
        self.server = server
        self.reason = reason
        self.unknown = unknown

    @classmethod
    def lost(
        cls, server: str, reason: str, *, what: str | None = None, unknown: bool = False
    ) -> DatabaseUnavailableError:
        """The standard message: which server, why, and what became of `what` (None: no
        unit of work was under way, e.g. when the program starts)."""
        if unknown:
            outcome = (
                f"连接在提交时中断，无法确认{what or '本次操作'}是否已保存：恢复连接后请先查看"
                "核查记录和审计日志，不要重复登记。"
            )
        elif what is None:
            outcome = "恢复连接之前不能登录、核查或查看记录（本机不会改用本地的数据库）。"
        else:
            outcome = f"{what}没有保存（本机也没有另存一份），恢复连接后请重新操作。"
        return cls(
            f"无法连接数据库服务器 {server}（{reason}）。{outcome}"
            "请检查网络和服务器，或联系信息科。",
            server=server,
            reason=reason,
            unknown=unknown,
        )

    def about(self, what: str) -> DatabaseUnavailableError:
        """The same failure, its message naming `what` was (not) stored, e.g. 本次核查."""
        return type(self).lost(self.server, self.reason, what=what, unknown=self.unknown)


@contextmanager
def not_stored_says(what: str) -> Iterator[None]:
    """A lost office database server inside the block names what was not stored (本次核查,
    本次批量核查（200 行）…), whatever a store or service inside it said."""
    try:
        yield
    except DatabaseUnavailableError as error:
        raise error.about(what) from error


class DatabaseBusyError(DatabaseUnavailableError):
    """The server did not grant the office write lock in time (another PC holds it for
    long); nothing was stored."""

    @classmethod
    def lost(
        cls, server: str, reason: str, *, what: str | None = None, unknown: bool = False
    ) -> DatabaseUnavailableError:
        return cls(
            f"数据库服务器 {server} 忙：另一台电脑长时间占用写入（{reason}）。"
            f"{what or '本次操作'}没有保存，请稍后重试；一再出现时请联系信息科。",
            server=server,
            reason=reason,
        )


class DatabaseAccessError(DataError):
    """The database server refuses this program: login refused, a missing database, or an
    operation the program's role has no right to (see README, For IT: the database role)."""


class DatabaseServerError(DataError):
    """The database server failed a statement for a reason of its own (its disk is full, a
    table is missing, …): the transaction was rolled back, nothing was stored."""


class SchemaVersionError(DataError):
    """The office database's schema is older than this program (run `office migrate`), newer
    (upgrade the program), or not set up at all."""


class MergeRefusedError(DataError):
    """`office migrate --from-sqlite` into a database that already holds another audit chain:
    joining them would rewrite history, so nothing was copied."""


class BatchCancelledError(AppError):
    """The user cancelled a batch check or a re-check: nothing of it was stored."""

    exit_code = 130


class BatchSheetChoiceError(UsageError):
    """A workbook with subjects on more than one sheet: the clerk names the sheet to check
    (`--sheet`, the window's sheet picker), none is picked for them. `sheets`: the names."""

    def __init__(self, message: str, sheets: list[str]) -> None:
        super().__init__(message, sheets=sheets)
        self.sheets = sheets


class BatchColumnChoiceError(UsageError):
    """A file with more than one column that could hold the subject's name: the clerk names
    it (`--name-column`, the window's column picker). `columns`: the candidate headings;
    `header_cells` and `ids`: the header row and the ID columns found, for the picker."""

    def __init__(
        self,
        message: str,
        columns: list[str],
        header_cells: list[str],
        ids: list[str],
        sheet: str | None,
    ) -> None:
        super().__init__(message, columns=columns, header_cells=header_cells, ids=ids, sheet=sheet)
        self.columns = columns
        self.header_cells = header_cells
        self.ids = ids
        self.sheet = sheet


class AlertClosedError(UsageError):
    """An alert that is already closed (handled meanwhile, perhaps by a colleague)."""
