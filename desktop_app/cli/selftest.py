"""`selftest [--json]`: can this installation do its job? Each step reports, none is skipped.

Run by IT after installing (and by CI on the installed package): it reads the configuration,
opens the measure catalog, checks that the data folder is writable and its databases intact,
opens the office database (on a server: connection, schema version, the role's rights),
loads the Chinese font (for PDFs and for the window), recognises a specimen ID, credit code
and traditional-character name (the data files of python-stdnum, OpenCC and pypinyin that a
bundle must carry), imports every module of the window (a bundle that left out a Qt module
the window needs fails here, not on a clerk's desk), then renders, signs and verifies a
specimen check record in a temporary folder (never with the department's real key). The exit
status is non-zero when any step fails. Works the same from a checkout and frozen.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from desktop_app import APP_NAME, __version__, paths
from desktop_app.cli import add_json_flag, emit
from desktop_app.context import AppContext
from desktop_app.errors import AppError

# step key → Chinese name, in the order they run.
STEPS: dict[str, str] = {
    "config": "本机配置",
    "catalog": "措施目录",
    "data_dir": "数据目录",
    "office": "办公数据库",
    "font": "中文字体",
    "matching": "证件与名称识别",
    "window": "界面组件",
    "sign": "生成并签名核查记录",
    "verify": "验证签名",
}

# The specimen record is signed for this department when the configuration names none.
_SPECIMEN_PLACE = ("昆山市", "市市场监督管理局")
# Synthetic inputs for the matching step: a resident ID and a credit code with valid check
# characters, a company name in traditional characters, and two homophone person names.
_SPECIMEN_ID = "320583198503171231"
_SPECIMEN_USCC = "91320583MA1MXXXXXY"
_TRADITIONAL_NAME = ("柳州市鑫源貿易有限公司", "柳州市鑫源贸易有限公司")
_HOMOPHONES = ("张伟", "章伟")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("selftest", help="自检：目录、数据目录、字体、签名与验证")
    parser.add_argument(
        "--steps",
        help=f"只运行这些步骤（逗号分隔，按固定顺序执行）：{','.join(STEPS)}",
    )
    add_json_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    wanted = _wanted(args.steps)
    report = run_selftest(ctx, wanted)
    emit(args, report, lambda: _text(report))
    return 0 if report["ok"] else 1


def _wanted(spec: str | None) -> list[str]:
    if not spec:
        return list(STEPS)
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in STEPS]
    if unknown:
        from desktop_app.errors import UsageError

        raise UsageError(f"未知的自检步骤：{'、'.join(unknown)}。可用：{','.join(STEPS)}")
    return [name for name in STEPS if name in names]


def run_selftest(ctx: AppContext, steps: list[str] | None = None) -> dict[str, Any]:
    """Run the steps (all by default) and return `{"ok", "steps": [...], ...}`; never raises."""
    steps = steps or list(STEPS)
    state: dict[str, Any] = {}
    actions: dict[str, Callable[[], str]] = {
        "config": lambda: _config(ctx),
        "catalog": lambda: _catalog(ctx),
        "data_dir": lambda: _data_dir(ctx),
        "office": lambda: _office(ctx),
        "font": _font,
        "matching": _matching,
        "window": _window,
        "sign": lambda: _sign(ctx, state),
        "verify": lambda: _verify(state),
    }
    results = []
    for key in steps:
        started = time.perf_counter()
        try:
            detail, ok = actions[key](), True
        except AppError as error:
            detail, ok = error.message, False
        except Exception as error:  # a self-test reports every failure, whatever its kind
            detail, ok = f"{type(error).__name__}: {error}", False
        results.append(
            {
                "step": key,
                "name": STEPS[key],
                "ok": ok,
                "detail": detail,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
        )
    return {
        "ok": all(step["ok"] for step in results),
        "program": f"{APP_NAME} {__version__}",
        "frozen": bool(getattr(sys, "frozen", False)),
        "executable": sys.executable,
        "data_dir": str(ctx.data_dir),
        "steps": results,
    }


def _config(ctx: AppContext) -> str:
    config = ctx.config
    where = f"配置文件 {config.source}" if config.source else "无配置文件，全部使用默认值"
    place = "、".join(filter(None, [config.jurisdiction, config.department])) or "未指定地区与部门"
    if config.certificate is not None and not config.certificate.is_file():
        raise AppError(
            f"配置的部门证书文件 {config.certificate} 不存在。请改正配置文件中的 certificate，"
            "或把证书放到该位置。"
        )
    if config.is_credit_office:
        exchange = f"信用办，可信部门证书 {len(config.trusted_departments)} 个"
    else:
        exchange = "部门，" + (
            "已配置信用办加密证书" if config.trusted_office else "未配置信用办加密证书"
        )
    return f"{where}；{place}；可信发布者 {len(config.trusted_publishers)} 个；{exchange}"


def _catalog(ctx: AppContext) -> str:
    catalog = ctx.catalog
    jurisdictions = catalog.jurisdictions()
    detail = f"{ctx.catalog_path}，版本 {catalog.version[:16]}，{len(jurisdictions)} 个地区"
    config = ctx.config
    if config.jurisdiction:
        jurisdiction = catalog.resolve_jurisdiction(config.jurisdiction)
        detail += f"；配置的地区“{jurisdiction}”有效"
        if config.department:
            department = catalog.resolve_department(jurisdiction, config.department)
            count = len(catalog.measures(jurisdiction, department))
            detail += f"，部门“{department}”有 {count} 条措施"
        detail += f"；今天施行{catalog.version_info(jurisdiction)['label']}"
    imported = catalog.entries()
    if imported:
        detail += f"；导入的目录版本 {len(imported)} 个"
    # what catalog import and search need in an installed program
    import sqlite_utils  # noqa: F401

    catalog.base.search("政府采购")
    return detail


def _data_dir(ctx: AppContext) -> str:
    from desktop_app.models import db

    folder = Path(ctx.data_dir)
    # A folder that does not exist yet is made for the probe and removed again: a self-test
    # leaves nothing behind.
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    probe = folder / f".selftest-{uuid.uuid4().hex}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"ok")
    except OSError as error:
        raise AppError(f"数据目录 {folder} 不可写（{error.strerror}），请检查权限。") from error
    finally:
        probe.unlink(missing_ok=True)
        for made in created:
            with contextlib.suppress(OSError):
                made.rmdir()
    if created:
        return f"{folder} 可以创建（尚未使用，首次使用时创建）"
    databases = sorted(p for p in folder.glob("*.db") if db.is_sqlite_file(p))
    for database in databases:
        problem = db.integrity_problem(database)
        if problem:
            raise AppError(f"数据库 {database} 已损坏（{problem}），请从备份恢复。")
    if not databases:
        return f"{folder} 可写；尚无数据库（首次使用）"
    return f"{folder} 可写；{'、'.join(p.name for p in databases)} 完好"


def _office(ctx: AppContext) -> str:
    """Where the users, records and audit log are; on a server: the connection, the schema
    version and the rights of the program's role. Creates nothing where nothing is yet."""
    from desktop_app.services import office

    if ctx.database_url is None and not ctx.office_exists():
        return f"本机 SQLite：{ctx.data_dir / 'office.db'}（尚未创建，首次使用时创建）"
    return office.check_server(ctx)


def _font() -> str:
    from reportlab.pdfbase.ttfonts import TTFont

    path = paths.cjk_font_path()
    font = TTFont("SelftestCJK", str(path))
    if font.face.charToGlyph.get(ord("信")) is None:
        raise AppError(f"字体 {path} 缺少汉字，记录中的中文将无法显示。")
    return f"{path.name}（{path.stat().st_size / 2**20:.1f} MB）可用于 PDF"


def _matching() -> str:
    from desktop_app.models import identifiers, names

    for value, kind in ((_SPECIMEN_ID, "resident_id"), (_SPECIMEN_USCC, "uscc")):
        parsed = identifiers.parse_query(value)
        if parsed.error or parsed.kind.value != kind:
            raise AppError(f"无法识别样例证件号码 {value}（{parsed.error or parsed.kind.value}）。")
    traditional, simplified = _TRADITIONAL_NAME
    if names.normalize_name(traditional) != names.normalize_name(simplified):
        raise AppError("繁体字名称未能转换为简体（OpenCC 数据缺失），繁体写法的名称将查不到。")
    shared = set(names.fuzzy_keys(_HOMOPHONES[0])) & set(names.fuzzy_keys(_HOMOPHONES[1]))
    if not shared:
        raise AppError("同音字的疑似匹配不可用（拼音数据缺失），同音错字将查不到。")
    return "身份证号码和统一社会信用代码校验可用；繁体转简体可用；同音字疑似匹配可用"


def _window() -> str:
    # Offscreen unless told otherwise: a self-test must not open windows on a clerk's screen.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QFontDatabase
    from PySide6.QtWidgets import QApplication

    # The start-up module and every screen (some are imported only when first shown), with
    # the Qt modules and services they use: a bundle missing one fails here, not on a
    # clerk's desk. No window is created.
    import desktop_app.ui

    screens = [info.name for info in pkgutil.iter_modules(desktop_app.ui.__path__)]
    try:
        for name in screens:
            importlib.import_module(f"desktop_app.ui.{name}")
    except ImportError as error:
        raise AppError(
            f"界面组件不全（{error}）：安装包缺少窗口需要的模块，请重新安装或联系维护方。"
        ) from error
    # A widgets application, as the window uses (and one that a later window can reuse).
    app = QApplication.instance() or QApplication([sys.argv[0]])
    font_id = QFontDatabase.addApplicationFont(str(paths.cjk_font_path()))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        raise AppError("界面无法加载中文字体，窗口中的汉字会显示为方框。")
    return f"{len(screens)} 个界面模块可加载；Qt 平台 {app.platformName()}，界面字体 {families[0]}"


@contextmanager
def _scratch_signing_folder() -> Iterator[Path]:
    """A temporary data folder AND secret folder: the specimen never touches real keys."""
    with tempfile.TemporaryDirectory(prefix="xyhc-selftest-") as scratch:
        previous = os.environ.get("XYHC_SECRET_DIR")
        os.environ["XYHC_SECRET_DIR"] = str(Path(scratch) / "secrets")
        try:
            yield Path(scratch) / "data"
        finally:
            if previous is None:
                del os.environ["XYHC_SECRET_DIR"]
            else:
                os.environ["XYHC_SECRET_DIR"] = previous


def _sign(ctx: AppContext, state: dict[str, Any]) -> str:
    from desktop_app.services.records import record_pdf, signing

    jurisdiction = ctx.config.jurisdiction or _SPECIMEN_PLACE[0]
    department = ctx.config.department or _SPECIMEN_PLACE[1]
    record = record_pdf.specimen_record(
        measure_count=3, jurisdiction=jurisdiction, department=department
    )
    with _scratch_signing_folder() as folder:
        identity = signing.ensure_department_identity(folder, jurisdiction, department)
        pdf = record_pdf.print_check_record(record, identity)
        state.update(pdf=pdf, record=record, trusted=signing.trusted_certificates(folder))
    return f"样例记录 {record['record_number']}：{len(pdf) / 1024:.0f} KB，已签名（临时密钥）"


def _verify(state: dict[str, Any]) -> str:
    from desktop_app.services.records import signing

    if "pdf" not in state:
        raise AppError("没有可验证的记录（“生成并签名核查记录”一步未成功或未运行）。")
    result = signing.verify_pdf(state["pdf"], state["trusted"])
    problems = list(result["problems"])
    if result["record_hash"] != state["record"]["record_hash"]:
        problems.append("PDF 中的记录校验值与记录不符")
    if not result["covers_whole_file"]:
        problems.append("签名未覆盖整个文件")
    if problems:
        raise AppError("签名验证失败：" + "；".join(problems))
    return f"签名有效、覆盖全文，签名者 {result['signer']['subject'] if result['signer'] else ''}"


def _text(report: dict[str, Any]) -> str:
    lines = [f"{report['program']} 自检（数据目录 {report['data_dir']}）"]
    for step in report["steps"]:
        mark = "通过" if step["ok"] else "失败"
        lines.append(f"[{mark}] {step['name']}：{step['detail']}（{step['ms']:.0f} ms）")
    lines.append("自检通过。" if report["ok"] else "自检未通过：请按上面“失败”一行的提示处理。")
    return "\n".join(lines)
