"""Catalog commands: `catalog build|anomalies|info`, `departments`, `categories`, `measures`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop_app import paths
from desktop_app.cli import add_json_flag, emit
from desktop_app.context import AppContext
from desktop_app.models.labels import APPLIES_TO_TEXT

TAMPERED = "内容已被改动，与版本不符！请重新安装措施目录"


def register(subparsers: argparse._SubParsersAction) -> None:
    catalog = subparsers.add_parser("catalog", help="措施目录：构建、异常与更正清单、版本")
    commands = catalog.add_subparsers(dest="catalog_command", metavar="<catalog command>")
    commands.required = True

    build = commands.add_parser(
        "build", help="由 data/sources/ 的三份来源文件生成 resources/measures.db"
    )
    build.add_argument(
        "--sources", type=Path, default=None, help="来源文件目录（默认 data/sources/）"
    )
    build.add_argument(
        "--output", type=Path, default=None, help="输出文件（默认 resources/measures.db）"
    )
    add_json_flag(build)
    build.set_defaults(func=run_build)

    anomalies = commands.add_parser(
        "anomalies", help="列出构建时的全部更正：名称对照、合并的行、编号异常、接续的行、修复的文字"
    )
    anomalies.add_argument(
        "--kind", default=None, help="只列出这一类（如 alias、merged_row、numbering）"
    )
    anomalies.add_argument(
        "--document", default=None, help="只列出这份来源文件的（文件名或其开头，如 000）"
    )
    add_json_flag(anomalies)
    anomalies.set_defaults(func=run_anomalies)

    info = commands.add_parser("info", help="措施目录的文件、版本与完整性")
    add_json_flag(info)
    info.set_defaults(func=run_info)

    departments = subparsers.add_parser("departments", help="列出实施部门及其别名")
    departments.add_argument("--jurisdiction", default=None, help="地区，如 柳州、内蒙古、昆山")
    add_json_flag(departments)
    departments.set_defaults(func=run_departments)

    categories = subparsers.add_parser("categories", help="列出联合惩戒对象（失信名单类别）")
    categories.add_argument("--jurisdiction", default=None, help="只列出在该地区有措施的对象")
    add_json_flag(categories)
    categories.set_defaults(func=run_categories)

    measures = subparsers.add_parser("measures", help="列出某地区某部门应实施的措施")
    measures.add_argument("--jurisdiction", required=True, help="地区，如 柳州市、内蒙古、昆山")
    measures.add_argument("--department", required=True, help="实施部门，全称或简称均可")
    measures.add_argument("--category", default=None, help="联合惩戒对象（不写则列出全部）")
    measures.add_argument(
        "--subject-type",
        choices=("person", "organization"),
        default=None,
        help="主体类型：person（自然人）或 organization（法人和非法人组织）",
    )
    add_json_flag(measures)
    measures.set_defaults(func=run_measures)


def run_build(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.models.catalog_build import build

    summary = build(args.sources or paths.sources_dir(), args.output or paths.catalog_path())
    data = {
        "path": str(summary.path),
        "content_hash": summary.content_hash,
        "measures": summary.measures,
        "departments": summary.departments,
        "categories": summary.categories,
        "anomalies": summary.anomalies,
        "liuzhou_rows": summary.liuzhou_rows,
    }
    counts = "；".join(
        f"{name} {summary.departments[name]}个部门、{count}项措施"
        for name, count in summary.measures.items()
    )
    emit(
        args,
        data,
        f"已生成措施目录 {summary.path}\n{counts}；联合惩戒对象 {summary.categories} 类；"
        f"更正与异常 {summary.anomalies} 条（python -m desktop_app catalog anomalies 查看）\n"
        f"版本（内容哈希）：{summary.content_hash}",
    )
    return 0


def run_anomalies(args: argparse.Namespace, ctx: AppContext) -> int:
    rows = [
        row
        for row in ctx.catalog.anomalies()
        if (args.kind is None or row["kind"] == args.kind)
        and (args.document is None or row["document"].startswith(args.document))
    ]

    def text() -> str:
        lines = [f"共 {len(rows)} 条"]
        for row in rows:
            where = "、".join(str(n) for n in row["lines"])
            lines.append(f"[{row['kind']}] {row['document']} 第{where}行：{row['message']}")
        return "\n".join(lines)

    emit(args, rows, text)
    return 0


def run_info(args: argparse.Namespace, ctx: AppContext) -> int:
    catalog = ctx.catalog
    intact = catalog.verify()
    data = {
        "path": str(catalog.path),
        "version": catalog.version,
        "intact": intact,
        "jurisdictions": catalog.jurisdictions(),
    }
    emit(
        args,
        data,
        f"措施目录：{catalog.path}\n版本（内容哈希）：{catalog.version}\n"
        f"完整性：{'内容与版本一致' if intact else TAMPERED}\n"
        "地区：" + "、".join(j["name"] for j in data["jurisdictions"]),
    )
    return 0 if intact else 1


def run_departments(args: argparse.Namespace, ctx: AppContext) -> int:
    rows = ctx.catalog.departments(args.jurisdiction)

    def text() -> str:
        lines, current = [], None
        for row in rows:
            if row["jurisdiction"] != current:
                current = row["jurisdiction"]
                lines.append(current)
            remit = "（按职责实施全部措施）" if row["by_remit"] else ""
            aliases = f"  别名：{'、'.join(row['aliases'])}" if row["aliases"] else ""
            lines.append(f"  {row['name']}  {row['measure_count']}项措施{remit}{aliases}")
        return "\n".join(lines)

    emit(args, rows, text)
    return 0


def run_categories(args: argparse.Namespace, ctx: AppContext) -> int:
    rows = ctx.catalog.categories(args.jurisdiction)

    def text() -> str:
        return "\n".join(
            f"{row['name']}  {row['measure_count']}项措施  地区：{'、'.join(row['jurisdictions'])}"
            for row in rows
        )

    emit(args, rows, text)
    return 0


def run_measures(args: argparse.Namespace, ctx: AppContext) -> int:
    rows = ctx.catalog.measures(
        args.jurisdiction, args.department, args.category, args.subject_type
    )
    emit(args, rows, lambda: format_measures(rows))
    return 0


def format_measures(rows: list[dict[str, Any]]) -> str:
    """Measures as text for a person: one block per measure."""
    if not rows:
        return "没有符合条件的措施。"
    first = rows[0]
    lines = [f"{first['jurisdiction']} · {first['department']} · 共{len(rows)}项措施"]
    for row in rows:
        basis = row["basis"] + (f"（{row['basis_doc_no']}）" if row["basis_doc_no"] else "")
        where = "、".join(str(n) for n in row["source"]["lines"])
        lines.append(f"\n[{row['id']}] {row['category']}")
        if row["group"]:
            lines.append(f"  {row['group']}")
        lines.append(f"  {row['label']} {row['text']}")
        lines.append(f"  依据：{basis}")
        lines.append(f"  发起部门：{row['initiator']}  适用：{APPLIES_TO_TEXT[row['applies_to']]}")
        if row["note"]:
            lines.append(f"  说明：{row['note']}")
        lines.append(f"  出处：{row['source']['document']} 第{where}行")
    return "\n".join(lines)
