"""`feedback export | import | report | records | show | packages | office-cert`: 结果反馈 between
the departments and the credit office (see `desktop_app.services.feedback`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.arguments import MAX_COUNT, MAX_VERSION, whole_number
from desktop_app.cli.auth import add_user_options, login, read_password
from desktop_app.context import AppContext
from desktop_app.errors import AppError, UsageError
from desktop_app.services import accounts


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "feedback",
        help="结果反馈：部门导出反馈包，信用办导入、汇总（联合惩戒动态、绩效考核）",
    )
    commands = parser.add_subparsers(dest="feedback_command", metavar="<feedback-command>")
    commands.required = True

    export = commands.add_parser(
        "export",
        help="（部门，科长或管理员）导出期间内核查记录和结果反馈的反馈包（签名并加密给信用办）",
        description="反馈包含期间内每条核查记录的最新版本，用本部门的签名证书签名，"
        "并加密给信用办的证书（config trust-office 配置），openssl cms 可独立解密和验证。",
    )
    export.add_argument("--from", dest="date_from", required=True, metavar="D1", help="开始日期")
    export.add_argument("--to", dest="date_to", required=True, metavar="D2", help="结束日期（含）")
    export.add_argument("--out", type=Path, required=True, metavar="FILE", help="反馈包文件 .p7m")
    export.add_argument("--department", metavar="D", help="部门（默认本人所在部门）")
    add_user_options(export)
    add_json_flag(export)
    export.set_defaults(func=_export)

    imports = commands.add_parser(
        "import",
        help="（信用办，管理员）导入各部门的反馈包",
        description="逐个解密、验证签名并核对审计链；被拒绝的反馈包不写入任何数据。"
        "同一反馈包重复导入不改变任何数据。",
    )
    imports.add_argument("files", nargs="+", type=Path, metavar="FILE", help="反馈包文件")
    add_user_options(imports)
    add_json_flag(imports)
    imports.set_defaults(func=_import)

    report = commands.add_parser(
        "report",
        help="（信用办）联合惩戒动态、按发起部门的实施情况、绩效考核（PDF 和 Excel）",
    )
    report.add_argument("--from", dest="date_from", required=True, metavar="D1", help="开始日期")
    report.add_argument("--to", dest="date_to", required=True, metavar="D2", help="结束日期（含）")
    report.add_argument("--pdf", type=Path, metavar="OUT.pdf", help="PDF 报告")
    report.add_argument("--xlsx", type=Path, metavar="OUT.xlsx", help="Excel 报告")
    report.add_argument(
        "--overdue-days",
        type=whole_number(1, 365),
        metavar="N",
        help="待反馈超过 N 天计为超期（默认按本机配置 feedback_overdue_days，未配置为 15）",
    )
    add_user_options(report)
    add_json_flag(report)
    report.set_defaults(func=_report)

    listing = commands.add_parser("records", help="（信用办）列出导入的核查记录（只读，含来源）")
    listing.add_argument("--from", dest="date_from", metavar="D1", help="开始日期")
    listing.add_argument("--to", dest="date_to", metavar="D2", help="结束日期（含）")
    listing.add_argument("--department", metavar="D", help="只列此部门")
    listing.add_argument(
        "--limit", type=whole_number(1, MAX_COUNT), default=200, metavar="N", help="最多列出 N 条"
    )
    add_user_options(listing)
    add_json_flag(listing)
    listing.set_defaults(func=_records, read_only=True)

    show = commands.add_parser("show", help="（信用办）显示一条导入的核查记录及其来源和各版本")
    show.add_argument("record_number", metavar="NUMBER")
    show.add_argument(
        "--version", type=whole_number(1, MAX_VERSION), metavar="N", help="版本（默认最新）"
    )
    show.add_argument("--origin", metavar="CHAIN", help="来源（记录编号在多台电脑重复时）")
    add_user_options(show)
    add_json_flag(show)
    show.set_defaults(func=_show, read_only=True)

    packages = commands.add_parser("packages", help="（信用办）已导入的反馈包和审计链异常")
    packages.add_argument("--department", metavar="D", help="只列此部门")
    add_user_options(packages)
    add_json_flag(packages)
    packages.set_defaults(func=_packages, read_only=True)

    cert = commands.add_parser(
        "office-cert",
        help="（信用办，管理员）接收反馈包的加密证书：生成、导入、导出、查看",
    )
    cert_commands = cert.add_subparsers(dest="office_cert_command", metavar="<子命令>")
    cert_commands.required = True
    new = cert_commands.add_parser("new", help="生成新的 RSA 加密证书（原证书保留，用于解密旧包）")
    new.add_argument("--name", metavar="NAME", help="信用办名称（默认：地区 + 信用办）")
    add_user_options(new)
    add_json_flag(new)
    new.set_defaults(func=_cert_new)
    load = cert_commands.add_parser(
        "import", help="导入 RSA 加密证书（PKCS#12 .p12/.pfx）；证书密码在登录密码之后"
    )
    load.add_argument("file", type=Path, metavar="FILE.p12")
    add_user_options(load)
    add_json_flag(load)
    load.set_defaults(func=_cert_import)
    out = cert_commands.add_parser("export", help="导出加密证书，交给各部门（config trust-office）")
    out.add_argument("out", type=Path, metavar="OUT.cer")
    add_json_flag(out)
    out.set_defaults(func=_cert_export, read_only=True)
    info = cert_commands.add_parser("show", help="显示本机的加密证书")
    add_json_flag(info)
    info.set_defaults(func=_cert_show, read_only=True)


def _progress_printer(label: str) -> Any:
    import sys

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty() and total:
            sys.stderr.write(f"\r{label}：{done}/{total}")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    return progress


def _export(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.feedback.export import export_feedback

    user = login(args, ctx)
    assert user is not None
    result = export_feedback(
        ctx,
        user,
        date_from=args.date_from,
        date_to=args.date_to,
        out=args.out,
        department=args.department,
        progress=_progress_printer("正在导出"),
    )
    emit(
        args,
        result,
        f"已导出反馈包：{result['file']}\n"
        f"{result['jurisdiction']} {result['department']}，{result['date_from']} 至 "
        f"{result['date_to']}，第 {result['sequence']} 号：核查记录 {result['records']} 条，"
        f"应实施措施 {result['measures']} 项次（待反馈 {result['pending']} 项次）。\n"
        f"签名：{result['signer']}\n加密给：{result['recipient']}",
    )
    return 0


def _import(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.feedback.office_import import import_package_file

    user = login(args, ctx)
    assert user is not None
    accounts.require(user, "feedback.import")
    results: list[dict[str, Any]] = []
    lines: list[str] = []
    refused = 0
    for path in args.files:
        try:
            result = import_package_file(ctx, user, path, _progress_printer(path.name))
        except AppError as error:
            refused += 1
            results.append({"file": str(path), "imported": False, **error.to_json()})
            lines.append(f"✗ {path.name}：{error.message}")
            continue
        data = result.to_json()
        results.append({"imported": not result.already_imported, **data})
        if result.already_imported:
            lines.append(
                f"= {path.name}：{result.department}第 {result.sequence} 号反馈包已导入过，"
                "数据未改变。"
            )
        else:
            lines.append(
                f"✓ {path.name}：{result.department}第 {result.sequence} 号反馈包"
                f"（{result.period['from']} 至 {result.period['to']}），核查记录 "
                f"{result.records} 条，新增记录版本 {result.new_versions} 个"
                f"（已有 {result.known_versions} 个）。"
            )
        lines += [f"  ⚠ {f['kind_text']}：{f['message']}" for f in result.findings]
    emit(args, {"ok": not refused, "refused": refused, "packages": results}, "\n".join(lines))
    return 1 if refused else 0


def _report(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.feedback import city_report

    user = login(args, ctx)
    assert user is not None
    report = city_report.build_report(
        ctx,
        user,
        date_from=args.date_from,
        date_to=args.date_to,
        overdue_days=args.overdue_days,
    )
    written: dict[str, str] = {}
    if args.pdf or args.xlsx:
        written = city_report.write_report(ctx, user, report, pdf=args.pdf, xlsx=args.xlsx)
    totals = report["totals"]
    emit(
        args,
        {**report, "files": written},
        lambda: "\n".join(
            [
                f"{report['title']}（{report['date_from']} 至 {report['date_to']}）",
                f"报送部门 {totals['departments_reporting']} 个（应报送 "
                f"{totals['departments']} 个），核查 {totals['checks']} 次，发现失信主体 "
                f"{totals['subjects_found']} 个，应实施措施 {totals['measures']} 项次：已实施 "
                f"{totals['applied']}，不适用 {totals['not_applicable']}，已移送 "
                f"{totals['referred']}，待反馈 {totals['pending']}；反馈完成率 "
                f"{totals['completeness_text']}。",
                *(f"已写入：{path}" for path in written.values()),
            ]
        ),
    )
    return 0


def _reader(args: argparse.Namespace, ctx: AppContext) -> Any:
    from desktop_app.services.feedback.office_import import require_credit_office

    user = login(args, ctx)
    accounts.require(user, "feedback.read")
    require_credit_office(ctx)
    return user


def _records(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.feedback import city_report

    user = _reader(args, ctx)
    found = city_report.imported_records(
        ctx,
        user,
        date_from=args.date_from,
        date_to=args.date_to,
        department=args.department,
        limit=args.limit,
    )

    def line(r: dict[str, Any]) -> str:
        return (
            f"{r['checked_at'][:16].replace('T', ' ')}\t{r['record_number']}\t第{r['version']}版"
            f"\t{r['department']}\t{r['subject_name'] or '—'}\t{r['status_text']}"
            f"\t措施 {r['measure_count']}\t来自第 {r['sequence']} 号反馈包"
        )

    emit(
        args,
        found,
        lambda: "\n".join([f"共 {len(found)} 条（导入的记录只读）", *(line(r) for r in found)]),
    )
    return 0


def _show(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.feedback import city_report

    user = _reader(args, ctx)
    shown = city_report.imported_record(
        ctx, user, args.record_number, version=args.version, origin=args.origin
    )
    record, origin = shown["record"], shown["origin"]
    lines = [
        f"核查记录 {record['record_number']} 第 {record['version']} 版（导入，只读）",
        f"来源：{origin['jurisdiction']} {origin['department']}，审计链 {origin['origin'][:12]}…，"
        f"第 {origin['sequence']} 号反馈包（导出于 {origin['exported_at'][:16]}，"
        f"导入于 {origin['imported_at'][:16]}）",
        f"核查时间：{record['checked_at'][:16].replace('T', ' ')}　核查人："
        f"{record['user']['display_name']}　结果：{record['status_text']}",
    ]
    for measure in record["measures"]:
        feedback = measure.get("feedback") or {}
        lines.append(
            f"  {measure['id']}\t{(measure.get('label') or '')}{measure['text'][:40]}"
            f"\t{city_report.state_text(feedback.get('action'))}"
        )
    lines.append(
        "各版本："
        + "；".join(f"第 {v['version']} 版（第 {v['sequence']} 号包）" for v in shown["versions"])
    )
    emit(args, shown, "\n".join(lines))
    return 0


def _packages(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.feedback import city_report

    user = _reader(args, ctx)
    found = city_report.received_packages(ctx, user, department=args.department)

    def line(p: dict[str, Any]) -> str:
        return (
            f"{p['imported_at'][:16].replace('T', ' ')}\t{p['department']}\t第 {p['sequence']} 号"
            f"\t{p['period_from']} 至 {p['period_to']}\t记录 {p['record_count']} 条"
            f"（新增版本 {p['new_versions']}）\t{p['file_name']}"
        )

    emit(
        args,
        found,
        lambda: "\n".join(
            [
                f"已导入反馈包 {len(found['packages'])} 个",
                *(line(p) for p in found["packages"]),
                f"审计链异常 {len(found['findings'])} 条",
                *(f"  ⚠ {f['message']}" for f in found["findings"]),
            ]
        ),
    )
    return 0


def _cert_new(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services import admin

    facts = admin.new_office_key(ctx, login(args, ctx, required=False), args.name)
    emit(
        args,
        facts,
        f"已生成信用办加密证书：{facts['subject']}\n指纹（SHA-256）：{facts['fingerprint_sha256']}\n"
        "用 feedback office-cert export 证书.cer 导出，交给各部门（config trust-office）。",
    )
    return 0


def _cert_import(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services import admin

    user = login(args, ctx, required=False)
    password = read_password(args, 1 if user else 0, "证书文件的密码：")
    facts = admin.import_office_key(ctx, user, args.file, password)
    emit(args, facts, f"已导入信用办加密证书：{facts['subject']}")
    return 0


def _cert_export(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.exchange import office_key

    path = office_key.export_certificate(ctx.data_dir, args.out)
    emit(args, {"file": str(path)}, f"已导出信用办加密证书：{path}")
    return 0


def _cert_show(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.exchange import office_key
    from desktop_app.services.records import signing

    certificate = office_key.active_certificate(ctx.data_dir)
    if certificate is None:
        raise UsageError("本机还没有信用办加密证书（feedback office-cert new 生成）。")
    facts = signing.describe_certificate(certificate)
    emit(
        args,
        facts,
        f"{facts['subject']}\n有效期：{facts['not_before'][:10]} 至 {facts['not_after'][:10]}\n"
        f"指纹（SHA-256）：{facts['fingerprint_sha256']}\n密钥：{facts['key_type']}",
    )
    return 0
