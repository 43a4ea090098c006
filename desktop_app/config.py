"""The machine-wide configuration file and the per-user settings.

The machine configuration (one per PC, written by IT) says which jurisdiction and department
this PC serves, whether clerks may pick another department, where the working data lives, which
certificate signs records, which publishers' update packages are trusted, and for feedback
packages (结果反馈) whether this PC is a department's or the credit office's (`office_kind`), the
credit office's encryption certificate a department sends to, and the department certificates
a credit office accepts. It is TOML, read
with `tomllib`; the program only ever writes it through `save_machine_config`. Every key is
documented in docs/CONFIG.md; packaging/config.example.toml is a complete example.

Per-user settings (last user name, font scale, last folder) live apart, in the user's own
configuration folder, so that one clerk's preferences never change the machine's set-up.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from desktop_app import APP_ID
from desktop_app.errors import ConfigError

CONFIG_ENV = "XYHC_CONFIG"
SETTINGS_ENV = "XYHC_SETTINGS"

_MACHINE_KEYS = {
    "jurisdiction",
    "department",
    "lock_department",
    "data_dir",
    "certificate",
    "trusted_publishers",
    "database_url",
    "database_password_file",
    "rescreen_days",
    "office_kind",
    "feedback_overdue_days",
    "trusted_office",
    "trusted_departments",
}
_PUBLISHER_KEYS = {"name", "public_key"}
_OFFICE_KEYS = {"name", "certificate"}
_DEPARTMENT_KEYS = {"jurisdiction", "department", "certificate"}
# What a PC is set up as: a department's (checks, sends feedback packages) or the credit
# office's (receives every department's feedback packages, reports on the whole city).
OFFICE_KINDS = {"department": "部门", "credit_office": "信用办"}
DEFAULT_OVERDUE_DAYS = 15
_PEM = re.compile(
    r"-----BEGIN CERTIFICATE-----\s*(?P<body>[A-Za-z0-9+/=\s]+?)\s*-----END CERTIFICATE-----"
)
_USER_KEYS = {"last_user", "font_scale", "last_folder"}


@dataclass(frozen=True)
class TrustedPublisher:
    """A credit office whose Ed25519 key may sign update packages for this PC."""

    name: str
    public_key: bytes  # the raw 32-byte Ed25519 public key

    @property
    def public_key_text(self) -> str:
        """The key as written in the configuration file (base64 of the 32 raw bytes)."""
        return base64.b64encode(self.public_key).decode("ascii")


@dataclass(frozen=True)
class TrustedOffice:
    """The credit office's certificate that feedback packages are encrypted to (RSA)."""

    name: str
    certificate: str  # one PEM certificate

    @property
    def fingerprint(self) -> str:
        return pem_fingerprint(self.certificate)


@dataclass(frozen=True)
class TrustedDepartment:
    """A department whose certificate may sign the feedback packages a credit office imports."""

    jurisdiction: str
    department: str
    certificate: str  # one PEM certificate

    @property
    def fingerprint(self) -> str:
        return pem_fingerprint(self.certificate)


def pem_fingerprint(pem: str) -> str:
    """SHA-256 (upper-case hex) of the DER certificate in `pem`: the certificate's
    fingerprint, computed without loading a cryptography library at start-up."""
    import hashlib

    found = _PEM.search(pem)
    if found is None:
        return ""
    der = base64.b64decode("".join(found["body"].split()))
    return hashlib.sha256(der).hexdigest().upper()


@dataclass(frozen=True)
class MachineConfig:
    """The machine configuration; every field's default is what a missing key means."""

    jurisdiction: str | None = None
    department: str | None = None
    lock_department: bool = False
    data_dir: Path | None = None
    certificate: Path | None = None
    trusted_publishers: tuple[TrustedPublisher, ...] = ()
    # The office database on a PostgreSQL server (None: office.db in the data folder).
    database_url: str | None = None
    database_password_file: Path | None = None
    # How many days back the subjects of stored checks are re-checked after a list changes.
    rescreen_days: int = 365
    office_kind: str = "department"
    feedback_overdue_days: int = DEFAULT_OVERDUE_DAYS
    trusted_office: TrustedOffice | None = None
    trusted_departments: tuple[TrustedDepartment, ...] = ()
    source: Path | None = None  # the file it was read from (None: no file, all defaults)

    def database_password(self) -> str | None:
        """The server password from `database_password_file` (None without one: the server
        authenticates otherwise, e.g. peer, Kerberos or a client certificate)."""
        if self.database_password_file is None:
            return None
        return read_password_file(self.database_password_file)

    @property
    def is_credit_office(self) -> bool:
        return self.office_kind == "credit_office"

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly view, e.g. for `config show --json` and the selftest."""
        return {
            "file": str(self.source) if self.source else None,
            "jurisdiction": self.jurisdiction,
            "department": self.department,
            "lock_department": self.lock_department,
            "data_dir": str(self.data_dir) if self.data_dir else None,
            "certificate": str(self.certificate) if self.certificate else None,
            "trusted_publishers": [
                {"name": p.name, "public_key": p.public_key_text} for p in self.trusted_publishers
            ],
            "database_url": self.database_url,
            "database_password_file": (
                str(self.database_password_file) if self.database_password_file else None
            ),
            "rescreen_days": self.rescreen_days,
            "office_kind": self.office_kind,
            "feedback_overdue_days": self.feedback_overdue_days,
            "trusted_office": (
                {"name": self.trusted_office.name, "fingerprint": self.trusted_office.fingerprint}
                if self.trusted_office
                else None
            ),
            "trusted_departments": [
                {
                    "jurisdiction": d.jurisdiction,
                    "department": d.department,
                    "fingerprint": d.fingerprint,
                }
                for d in self.trusted_departments
            ],
        }


@dataclass(frozen=True)
class UserSettings:
    """One user's preferences on this PC. Nothing here changes what a check finds."""

    last_user: str | None = None
    font_scale: float = 1.0
    last_folder: Path | None = None
    source: Path | None = field(default=None, compare=False)


def machine_config_path() -> Path:
    """Where the machine configuration is read: `XYHC_CONFIG`, else the platform's place."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("PROGRAMDATA") or r"C:\ProgramData")
        return base / APP_ID / "config.toml"
    return Path("/etc") / APP_ID / "config.toml"


def user_settings_path() -> Path:
    """Where the current user's settings live: `XYHC_SETTINGS`, else the user config folder."""
    override = os.environ.get(SETTINGS_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / APP_ID / "settings.toml"


def load_machine_config(path: Path | None = None) -> MachineConfig:
    """Read the machine configuration; a missing file means every default.

    Raises `ConfigError` naming the file and the line for a syntax error, an unknown key or a
    value of the wrong kind, so that IT can fix the file without guessing.
    """
    path = Path(path) if path is not None else machine_config_path()
    table = _read_table(path, _MACHINE_KEYS, "配置项“{key}”（可用的配置项见 docs/CONFIG.md）")
    if table is None:
        return MachineConfig()
    data, where = table
    publishers = []
    raw_publishers = data.get("trusted_publishers", [])
    if not isinstance(raw_publishers, list):
        raise where.error(
            "trusted_publishers", "trusted_publishers 必须写成 [[trusted_publishers]] 表"
        )
    for index, entry in enumerate(raw_publishers):
        publishers.append(_publisher(entry, index, where))
    office_kind = data.get("office_kind", "department")
    if office_kind not in OFFICE_KINDS:
        choices = "、".join(f'"{kind}"（{text}）' for kind, text in OFFICE_KINDS.items())
        raise where.error("office_kind", f"office_kind 只能是 {choices}")
    days = data.get("feedback_overdue_days", DEFAULT_OVERDUE_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        raise where.error(
            "feedback_overdue_days", "feedback_overdue_days 应为 1 到 365 之间的整数（天），例如 15"
        )
    raw_departments = data.get("trusted_departments", [])
    if not isinstance(raw_departments, list):
        raise where.error(
            "trusted_departments", "trusted_departments 必须写成 [[trusted_departments]] 表"
        )
    return MachineConfig(
        jurisdiction=_optional_text(data, "jurisdiction", where),
        department=_optional_text(data, "department", where),
        lock_department=_boolean(data, "lock_department", False, where),
        data_dir=_optional_path(data, "data_dir", path, where),
        certificate=_optional_path(data, "certificate", path, where),
        trusted_publishers=tuple(publishers),
        database_url=_database_url(data, where),
        database_password_file=_optional_path(data, "database_password_file", path, where),
        rescreen_days=_rescreen_days(data, where),
        office_kind=office_kind,
        feedback_overdue_days=days,
        trusted_office=_trusted_office(data.get("trusted_office"), where),
        trusted_departments=tuple(
            _trusted_department(entry, index, where) for index, entry in enumerate(raw_departments)
        ),
        source=path,
    )


def save_machine_config(config: MachineConfig, path: Path | None = None) -> Path:
    """Write `config` as TOML (atomically: a reader never sees half a file); returns the path.

    The file is rewritten whole from the known keys: comments a person added are not kept.
    """
    path = Path(path) if path is not None else (config.source or machine_config_path())
    lines = [
        "# 信用核查台 本机配置（由程序写入；各项说明见 docs/CONFIG.md）",
        "",
    ]
    for key in ("jurisdiction", "department"):
        value = getattr(config, key)
        if value is not None:
            lines.append(f"{key} = {_toml_string(value)}")
    lines.append(f"lock_department = {'true' if config.lock_department else 'false'}")
    for key in ("data_dir", "certificate", "database_url", "database_password_file"):
        value = getattr(config, key)
        if value is not None:
            lines.append(f"{key} = {_toml_string(str(value))}")
    if config.rescreen_days != MachineConfig.rescreen_days:
        lines.append(f"rescreen_days = {config.rescreen_days}")
    if config.office_kind != "department":
        lines.append(f"office_kind = {_toml_string(config.office_kind)}")
    if config.feedback_overdue_days != DEFAULT_OVERDUE_DAYS:
        lines.append(f"feedback_overdue_days = {config.feedback_overdue_days}")
    for publisher in config.trusted_publishers:
        lines += [
            "",
            "[[trusted_publishers]]",
            f"name = {_toml_string(publisher.name)}",
            f"public_key = {_toml_string(publisher.public_key_text)}",
        ]
    if config.trusted_office is not None:
        lines += [
            "",
            "[trusted_office]",
            f"name = {_toml_string(config.trusted_office.name)}",
            f"certificate = {_toml_pem(config.trusted_office.certificate)}",
        ]
    for department in config.trusted_departments:
        lines += [
            "",
            "[[trusted_departments]]",
            f"jurisdiction = {_toml_string(department.jurisdiction)}",
            f"department = {_toml_string(department.department)}",
            f"certificate = {_toml_pem(department.certificate)}",
        ]
    _write_atomically(path, "\n".join(lines) + "\n")
    return path


def with_trusted_publisher(config: MachineConfig, name: str, public_key: str) -> MachineConfig:
    """A copy of `config` that also trusts `public_key` (base64, as printed by `package keygen`)."""
    key = _decode_public_key(public_key)
    if key is None:
        raise ConfigError(
            "公钥格式不对：应为 package keygen 输出的 44 个字符的 base64 文本（Ed25519 公钥）。"
        )
    kept = tuple(p for p in config.trusted_publishers if p.public_key != key)
    return replace(config, trusted_publishers=(*kept, TrustedPublisher(name, key)))


def with_trusted_office(config: MachineConfig, name: str, certificate_pem: str) -> MachineConfig:
    """A copy of `config` that encrypts feedback packages to this credit office certificate
    (replacing the one configured before: a department reports to one credit office)."""
    return replace(config, trusted_office=TrustedOffice(name, _checked_pem(certificate_pem)))


def with_trusted_department(
    config: MachineConfig, jurisdiction: str, department: str, certificate_pem: str
) -> MachineConfig:
    """A copy of `config` that accepts feedback packages signed with this department
    certificate (a department may have several: one per PC, or a new one after a key change)."""
    pem = _checked_pem(certificate_pem)
    fingerprint = pem_fingerprint(pem)
    kept = tuple(d for d in config.trusted_departments if d.fingerprint != fingerprint)
    entry = TrustedDepartment(jurisdiction, department, pem)
    return replace(config, trusted_departments=(*kept, entry))


def _checked_pem(text: str) -> str:
    found = _PEM.search(text)
    if found is None:
        raise ConfigError("证书格式不对：应为 PEM 格式（-----BEGIN CERTIFICATE----- …）。")
    body = "".join(found["body"].split())
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join(["-----BEGIN CERTIFICATE-----", *lines, "-----END CERTIFICATE-----"])


def load_user_settings(path: Path | None = None) -> UserSettings:
    """Read the current user's settings; a missing file means the defaults."""
    path = Path(path) if path is not None else user_settings_path()
    table = _read_table(path, _USER_KEYS, "设置项“{key}”")
    if table is None:
        return UserSettings()
    data, where = table
    scale = data.get("font_scale", 1.0)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0.5 <= scale <= 3.0:
        raise where.error("font_scale", "font_scale 应为 0.5 到 3.0 之间的数，例如 1.25")
    return UserSettings(
        last_user=_optional_text(data, "last_user", where),
        font_scale=float(scale),
        last_folder=_optional_path(data, "last_folder", path, where),
        source=path,
    )


def save_user_settings(settings: UserSettings, path: Path | None = None) -> Path:
    """Write the user's settings (atomically) to their own configuration folder."""
    path = Path(path) if path is not None else (settings.source or user_settings_path())
    lines = ["# 信用核查台 个人设置（由程序写入）"]
    if settings.last_user is not None:
        lines.append(f"last_user = {_toml_string(settings.last_user)}")
    lines.append(f"font_scale = {settings.font_scale!r}")
    if settings.last_folder is not None:
        lines.append(f"last_folder = {_toml_string(str(settings.last_folder))}")
    _write_atomically(path, "\n".join(lines) + "\n")
    return path


# -- reading helpers -------------------------------------------------------------------------


def _read_table(
    path: Path, known: set[str], unknown: str
) -> tuple[dict[str, Any], _Locator] | None:
    """The file's keys (None when it does not exist) and a locator for value errors; a key
    not in `known` is an error naming its line (`unknown` describes it, with `{key}`)."""
    text, data = _read_toml(path)
    if data is None:
        return None
    where = _Locator(path, text)
    for key in data:
        if key not in known:
            raise where.error(key, "未知的" + unknown.format(key=key))
    return data, where


def _read_toml(path: Path) -> tuple[str, dict[str, Any] | None]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return "", None
    except OSError as error:
        raise ConfigError(f"无法读取配置文件 {path}：{error.strerror}。请检查文件权限。") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"配置文件 {path} 第 {line} 行不是 UTF-8 编码。请用 UTF-8 保存该文件。",
            file=str(path),
            line=line,
        ) from error
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # Python 3.11's TOMLDecodeError carries the position only in its message.
        found = re.search(r"line (\d+)", str(error))
        line = int(found.group(1)) if found else None
        at = f"第 {line} 行" if line else ""
        raise ConfigError(
            f"配置文件 {path} {at}格式有误（{error}）。"
            '请按 docs/CONFIG.md 的写法改正，字符串须加引号，例如 jurisdiction = "柳州市"。',
            file=str(path),
            line=line,
        ) from error


class _Locator:
    """Finds the line of a key in the text, so that value errors can name it too."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(
        self, key: str, table_index: int | None = None, table: str = "trusted_publishers"
    ) -> int | None:
        pattern = re.compile(rf"^\s*(\[\[?\s*)?[\"']?{re.escape(key)}[\"']?\s*(=|\]\]?)")
        tables_seen = -1
        for number, line in enumerate(self.lines, start=1):
            if re.match(rf"^\s*\[\[?\s*{table}\s*\]\]?", line):
                tables_seen += 1
            if table_index is not None and tables_seen != table_index:
                continue
            if pattern.match(line):
                return number
        return None

    def error(
        self,
        key: str,
        problem: str,
        table_index: int | None = None,
        table: str = "trusted_publishers",
    ) -> ConfigError:
        line = self.line_of(key, table_index, table)
        at = f"第 {line} 行" if line else ""
        return ConfigError(
            f"配置文件 {self.path} {at}：{problem}。", file=str(self.path), line=line, key=key
        )


def _optional_text(data: dict[str, Any], key: str, where: _Locator) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise where.error(key, f'{key} 应为非空的文字，例如 {key} = "…"')
    return value.strip()


def _boolean(data: dict[str, Any], key: str, default: bool, where: _Locator) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise where.error(key, f"{key} 只能是 true 或 false（不加引号）")
    return value


def _rescreen_days(data: dict[str, Any], where: _Locator) -> int:
    value = data.get("rescreen_days", MachineConfig.rescreen_days)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
        raise where.error(
            "rescreen_days", "rescreen_days 应为 1 到 3650 之间的天数（不加引号），例如 365"
        )
    return value


def _optional_path(data: dict[str, Any], key: str, origin: Path, where: _Locator) -> Path | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise where.error(key, f"{key} 应为路径文字，Windows 路径请用单引号，例如 '{key}'")
    # Relative paths are relative to the file that names them, not to the working folder.
    path = Path(value.strip()).expanduser()
    return path if path.is_absolute() else (origin.parent / path)


_DATABASE_SCHEMES = ("postgresql", "postgres")


def _database_url(data: dict[str, Any], where: _Locator) -> str | None:
    """`database_url`: a postgresql:// URL without a password in it."""
    value = _optional_text(data, "database_url", where)
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise where.error(
            "database_url", "database_url 格式不对，应为 postgresql://用户@服务器:5432/数据库"
        ) from None
    if parts.scheme not in _DATABASE_SCHEMES or not (parts.hostname or "host=" in parts.query):
        raise where.error(
            "database_url",
            "database_url 应为 postgresql://用户@服务器:5432/数据库（不设置则使用数据目录中的"
            "office.db）",
        )
    if parts.password is not None or any(
        key.lower() in ("password", "passfile") for key, _ in parse_qsl(parts.query)
    ):
        raise where.error(
            "database_url",
            "密码不能写在配置文件里：请去掉 database_url 中的密码，把密码单独存放在只有本程序"
            "用户可读的文件中，用 database_password_file 指向它（或使用服务器的其他认证方式）",
        )
    return value


def read_password_file(path: Path) -> str:
    """The first line of a password file that only its owner and group may read.

    On Linux a file that other users can read (or write) is refused; on Windows its access
    list is IT's to set (see docs/CONFIG.md).
    """
    try:
        if os.name == "posix":
            mode = path.stat().st_mode
            if mode & 0o007:
                raise ConfigError(
                    f"数据库密码文件 {path} 对其他用户可读写（权限 {mode & 0o777:o}）。"
                    f"请改为只有本程序的用户组可读：chmod 640 {path}（并用 chgrp 设为该用户组）。",
                    file=str(path),
                )
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"找不到数据库密码文件 {path}（本机配置 database_password_file）。", file=str(path)
        ) from None
    except PermissionError:
        raise ConfigError(
            f"无权读取数据库密码文件 {path}：请让信息科把当前用户加入可读该文件的用户组。",
            file=str(path),
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"无法读取数据库密码文件 {path}（{error}）。", file=str(path)) from None
    password = text.splitlines()[0] if text.splitlines() else ""
    if not password:
        raise ConfigError(f"数据库密码文件 {path} 是空的。", file=str(path))
    return password


def _publisher(entry: Any, index: int, where: _Locator) -> TrustedPublisher:
    if not isinstance(entry, dict):
        raise where.error(
            "trusted_publishers", "trusted_publishers 的每一项须有 name 与 public_key"
        )
    for key in entry:
        if key not in _PUBLISHER_KEYS:
            raise where.error(key, f"可信发布者中未知的项“{key}”", index)
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise where.error("trusted_publishers", "每个可信发布者都要写 name（发布单位名称）", index)
    key = _decode_public_key(entry.get("public_key"))
    if key is None:
        raise where.error(
            "public_key",
            "public_key 应为 package keygen 输出的 base64 公钥（Ed25519，44 个字符）",
            index,
        )
    return TrustedPublisher(name.strip(), key)


def _certificate_text(value: Any) -> str | None:
    """The PEM certificate in a configuration value, normalised; None if it is not one."""
    if not isinstance(value, str):
        return None
    found = _PEM.search(value)
    if found is None:
        return None
    try:
        base64.b64decode("".join(found["body"].split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return _checked_pem(value)


def _trusted_office(entry: Any, where: _Locator) -> TrustedOffice | None:
    if entry is None:
        return None
    table = "trusted_office"
    if not isinstance(entry, dict):
        raise where.error(table, "trusted_office 须写成 [trusted_office] 表（name 与 certificate）")
    for key in entry:
        if key not in _OFFICE_KEYS:
            raise where.error(key, f"trusted_office 中未知的项“{key}”", 0, table)
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise where.error(table, "trusted_office 要写 name（信用办名称）", 0, table)
    certificate = _certificate_text(entry.get("certificate"))
    if certificate is None:
        raise where.error(
            "certificate",
            "trusted_office 的 certificate 应为信用办加密证书的 PEM 文本"
            "（用 config trust-office 写入）",
            0,
            table,
        )
    return TrustedOffice(name.strip(), certificate)


def _trusted_department(entry: Any, index: int, where: _Locator) -> TrustedDepartment:
    table = "trusted_departments"
    if not isinstance(entry, dict):
        raise where.error(
            table, "trusted_departments 的每一项须有 jurisdiction、department 与 certificate"
        )
    for key in entry:
        if key not in _DEPARTMENT_KEYS:
            raise where.error(key, f"可信部门中未知的项“{key}”", index, table)
    names = {}
    for key, what in (("jurisdiction", "地区"), ("department", "部门")):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise where.error(table, f"每个可信部门都要写 {key}（{what}）", index, table)
        names[key] = value.strip()
    certificate = _certificate_text(entry.get("certificate"))
    if certificate is None:
        raise where.error(
            "certificate",
            "可信部门的 certificate 应为该部门签名证书的 PEM 文本"
            "（用 config trust-department 写入）",
            index,
            table,
        )
    return TrustedDepartment(names["jurisdiction"], names["department"], certificate)


def _decode_public_key(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == 32 else None


# -- writing helpers -------------------------------------------------------------------------


def _toml_string(value: str) -> str:
    # A JSON string with ensure_ascii=False is a valid TOML basic string: both use \" \\ \n
    # \t and \uXXXX escapes, and json never emits anything TOML lacks.
    return json.dumps(value, ensure_ascii=False)


def _toml_pem(pem: str) -> str:
    # A multi-line literal string: the PEM stays readable and holds no quotes to escape.
    return "'''\n" + pem.strip() + "\n'''"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ConfigError(
            f"无法写入 {path}：{error.strerror}。修改本机配置需要管理员权限。"
        ) from error
