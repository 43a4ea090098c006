"""Catalog commands: `catalog build|anomalies|info|import|versions|diff|mapping`,
`departments`, `categories`, `measures` (also `--as-of DATE` and `--search TEXT`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop_app import paths
from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.arguments import MAX_VERSION, whole_number
from desktop_app.cli.auth import add_user_options, login
from desktop_app.context import AppContext
from desktop_app.errors import UsageError
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

    importing = commands.add_parser(
        "import", help="（管理员/信用办）导入修订的措施清单，成为某地区措施目录的新版本"
    )
    importing.add_argument("file", type=Path, metavar="FILE", help="措施清单 .xlsx 或 .csv")
    importing.add_argument("--jurisdiction", required=True, help="地区，如 柳州")
    importing.add_argument(
        "--effective", required=True, metavar="DATE", help="施行日期 YYYY-MM-DD（自这天起使用）"
    )
    importing.add_argument(
        "--replaces",
        type=whole_number(1, MAX_VERSION),
        metavar="VERSION",
        help="据以修订的版本号（默认：施行日期当天在用的版本）",
    )
    importing.add_argument(
        "--replace-all",
        action="store_true",
        help="替换该地区全部措施（默认只替换文件中出现的部门的措施，其他部门不变）",
    )
    importing.add_argument("--mapping", metavar="NAME", help="其他格式的文件：已保存的列映射")
    for kind, label in (("department", "实施部门"), ("category", "联合惩戒对象")):
        importing.add_argument(
            f"--map-{kind}",
            action="append",
            default=[],
            metavar="写法=规范名",
            help=f"把文件中的{label}写法对应到目录中的{label}（可重复；该写法记为别名）",
        )
        importing.add_argument(
            f"--add-{kind}",
            action="append",
            default=[],
            metavar="名称",
            help=f"把文件中的新{label}加入目录（可重复）",
        )
    importing.add_argument(
        "--dry-run", action="store_true", help="只检查并显示与现行版本的差异，不导入"
    )
    add_user_options(importing)
    add_json_flag(importing)
    importing.set_defaults(func=run_import)

    versions = commands.add_parser("versions", help="列出措施目录的各版本及其施行日期")
    versions.add_argument("--jurisdiction", default=None, help="只列出这一地区的")
    add_json_flag(versions)
    versions.set_defaults(func=run_versions)

    diff = commands.add_parser("diff", help="比较措施目录的两个版本：新增、删除、修改的措施")
    diff.add_argument("old", metavar="A", help="原版本：版本号，或措施目录文件")
    diff.add_argument("new", metavar="B", help="新版本：版本号，或措施目录文件")
    diff.add_argument(
        "--jurisdiction", default=None, help="地区（默认本机配置的地区）；版本号按该地区计"
    )
    diff.add_argument("--department", default=None, help="只比较这一实施部门")
    diff.add_argument("--xlsx", type=Path, metavar="OUT", help="同时导出为 Excel 文件")
    add_json_flag(diff)
    diff.set_defaults(func=run_diff)

    publish = commands.add_parser(
        "publish", help="（信用办）把导入的措施目录版本制作成签名的目录更新包，发往各部门"
    )
    publish.add_argument(
        "--key", type=Path, required=True, help="发布者私钥（package keygen 生成）"
    )
    publish.add_argument("--out", type=Path, required=True, help="输出的更新包文件")
    publish.add_argument("--publisher", required=True, help="发布单位名称，例如 柳州市信用办")
    publish.add_argument(
        "--jurisdiction",
        action="append",
        default=None,
        help="只发布这一地区的版本（可重复；默认所有导入过版本的地区）",
    )
    publish.add_argument("--password-stdin", action="store_true", help="私钥口令从标准输入读取")
    add_json_flag(publish)
    publish.set_defaults(func=run_publish)

    mapping = commands.add_parser("mapping", help="其他格式措施清单的列映射")
    mapping_commands = mapping.add_subparsers(dest="mapping_command", metavar="<mapping command>")
    mapping_commands.required = True
    save = mapping_commands.add_parser("save", help="保存（或替换）一个列映射")
    save.add_argument("name", metavar="NAME")
    save.add_argument(
        "columns",
        nargs="+",
        metavar="字段=列名",
        help="如 实施措施=惩戒措施内容 实施部门=责任单位（字段：序号 发起部门 联合惩戒对象 "
        "实施部门 实施措施 实施依据 条款 措施类型）",
    )
    add_user_options(save)
    add_json_flag(save)
    save.set_defaults(func=run_mapping_save)
    listing = mapping_commands.add_parser("list", help="列出已保存的列映射")
    add_json_flag(listing)
    listing.set_defaults(func=run_mapping_list)

    departments = subparsers.add_parser("departments", help="列出实施部门及其别名")
    departments.add_argument("--jurisdiction", default=None, help="地区，如 柳州、内蒙古、昆山")
    add_json_flag(departments)
    departments.set_defaults(func=run_departments)

    categories = subparsers.add_parser("categories", help="列出联合惩戒对象（失信名单类别）")
    categories.add_argument("--jurisdiction", default=None, help="只列出在该地区有措施的对象")
    add_json_flag(categories)
    categories.set_defaults(func=run_categories)

    measures = subparsers.add_parser(
        "measures", help="列出某地区某部门应实施的措施；或按文字搜索全部措施（--search）"
    )
    measures.add_argument(
        "--jurisdiction", default=None, help="地区，如 柳州市、内蒙古、昆山（搜索时可不写）"
    )
    measures.add_argument(
        "--department", default=None, help="实施部门，全称或简称均可（搜索时可不写）"
    )
    measures.add_argument("--category", default=None, help="联合惩戒对象（不写则列出全部）")
    measures.add_argument(
        "--subject-type",
        choices=("person", "organization"),
        default=None,
        help="主体类型：person（自然人）或 organization（法人和非法人组织）",
    )
    measures.add_argument(
        "--as-of", metavar="DATE", default=None, help="按这一天施行的目录版本（默认今天）"
    )
    measures.add_argument(
        "--search",
        metavar="TEXT",
        default=None,
        help="搜索措施内容、依据和条款（如 政府采购、限制乘坐），结果按部门分组",
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
    versions = catalog.versions()
    data = {
        "path": str(catalog.path),
        "version": catalog.version,
        "intact": intact,
        "jurisdictions": catalog.jurisdictions(),
        "versions_dir": str(catalog.directory),
        "versions": versions,
    }
    in_force = "；".join(f"{v['jurisdiction']}{v['label']}" for v in versions if v["in_force"])
    emit(
        args,
        data,
        f"措施目录：{catalog.path}\n版本（内容哈希）：{catalog.version}\n"
        f"完整性：{'内容与版本一致' if intact else TAMPERED}\n"
        "地区：" + "、".join(j["name"] for j in data["jurisdictions"]) + "\n"
        f"今天施行：{in_force}（导入的版本在 {catalog.directory}）",
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
    from desktop_app.services.screening.check import parse_as_of

    as_of = parse_as_of(args.as_of)
    if args.search is not None:
        found = ctx.catalog.search(args.search, args.jurisdiction, as_of)
        emit(args, found, lambda: format_search(found, highlight=sys.stdout.isatty()))
        return 0
    if args.jurisdiction is None or args.department is None:
        raise UsageError("请用 --jurisdiction 和 --department 指明地区和部门，或用 --search 搜索。")
    rows = ctx.catalog.measures(
        args.jurisdiction, args.department, args.category, args.subject_type, as_of=as_of
    )
    if args.json:
        emit(args, rows, "")
        return 0
    used = ctx.catalog.version_info(args.jurisdiction, as_of)
    emit(args, rows, lambda: format_measures(rows, used["label"]))
    return 0


def _marked(text: str | None, spans: list[list[int]], highlight: bool) -> str:
    """Text with its matched words shown: reverse video on a terminal, 【】 otherwise."""
    if not text:
        return ""
    start, end = ("\x1b[7m", "\x1b[0m") if highlight else ("【", "】")
    out, position = [], 0
    for begin, finish in spans:
        out += [text[position:begin], start, text[begin:finish], end]
        position = finish
    out.append(text[position:])
    return "".join(out)


def format_search(found: dict[str, Any], highlight: bool = False) -> str:
    """Search results grouped by department, matched words marked."""
    where = found["jurisdiction"] or "全部地区"
    if not found["count"]:
        return f"在{where}的措施目录中没有找到“{found['query']}”。"
    lines = [
        f"“{found['query']}”：{where}共 {found['count']} 项措施，{len(found['groups'])} 个部门"
    ]
    for group in found["groups"]:
        lines.append(
            f"\n{group['jurisdiction']} · {group['department']}（{len(group['measures'])}项）"
        )
        for measure in group["measures"]:
            marks = measure["highlights"]
            lines.append(
                f"  [{measure['id']}] {measure['label']}"
                + _marked(measure["text"], marks["text"], highlight)
            )
            basis = _marked(measure["basis"], marks["basis"], highlight)
            if measure["basis_articles"]:
                basis += " " + _marked(
                    measure["basis_articles"], marks["basis_articles"], highlight
                )
            lines.append(f"    依据：{basis}  对象：{measure['category']}")
    return "\n".join(lines)


def _progress_printer() -> Any:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        sys.stderr.write(f"\r已读取 {done}/{total} 行 …")
        sys.stderr.flush()

    return show


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        written, sep, canonical = value.partition("=")
        if not sep or not written.strip() or not canonical.strip():
            raise UsageError(f"{option} 的值应写成“写法=规范名”，而不是“{value}”。")
        pairs[written.strip()] = canonical.strip()
    return pairs


def run_import(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.catalog import layouts
    from desktop_app.services.catalog.catalog_import import import_catalog_file

    user = login(args, ctx, required=False)
    report = import_catalog_file(
        ctx,
        user,
        args.file,
        args.jurisdiction,
        args.effective,
        replaces=args.replaces,
        replace_all=args.replace_all,
        mapping=layouts.mapping_columns(ctx.data_dir, args.mapping) if args.mapping else None,
        map_names={
            "department": _pairs(args.map_department, "--map-department"),
            "category": _pairs(args.map_category, "--map-category"),
        },
        add_names={"department": args.add_department, "category": args.add_category},
        dry_run=args.dry_run,
        progress=None if args.json else _progress_printer(),
    )
    if not args.json and sys.stderr.isatty():
        sys.stderr.write("\n")
    emit(args, report.to_json(), report.summary)
    return 1 if report.refused else 0


def run_versions(args: argparse.Namespace, ctx: AppContext) -> int:
    rows = ctx.catalog.versions(args.jurisdiction)

    def text() -> str:
        lines, current = [], None
        for row in rows:
            if row["jurisdiction"] != current:
                current = row["jurisdiction"]
                lines.append(current)
            mark = "  ← 今天施行" if row["in_force"] else ""
            if row["number"] == 1:
                lines.append(f"  {row['label']}：来源 {row['source_name']}{mark}")
                continue
            scope = "全部措施" if row["scope"] == "all" else "、".join(row["departments"])
            lines.append(
                f"  {row['label']}：据第{row['replaces']}版修订，{scope}；"
                f"来源 {row['source_name']}（SHA-256 {row['source_sha256'][:16]}…）；"
                f"{row['importer']} 于 {row['imported_at']} 导入{mark}"
            )
        return "\n".join(lines)

    emit(args, rows, text)
    return 0


def _diff_side(ctx: AppContext, value: str, jurisdiction: str) -> Any:
    from desktop_app.models.catalog import Catalog

    if value.isdigit():
        return ctx.catalog.of_version(jurisdiction, int(value)), None
    path = Path(value)
    if not path.is_file():
        raise UsageError(f"“{value}”既不是版本号，也不是措施目录文件。版本号见 catalog versions。")
    catalog = Catalog.open(path)
    return catalog, catalog


def run_diff(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.catalog.diff import diff_catalogs, diff_xlsx, format_diff
    from desktop_app.services.output import check_output_folder, write_output

    jurisdiction = args.jurisdiction or ctx.config.jurisdiction
    if not jurisdiction:
        raise UsageError("请用 --jurisdiction 指明地区（本机配置中也没有地区）。")
    jurisdiction = ctx.catalog.resolve_jurisdiction(jurisdiction)
    if args.xlsx:
        check_output_folder(args.xlsx)
    opened = []
    try:
        old, own = _diff_side(ctx, args.old, jurisdiction)
        opened.append(own)
        new, own = _diff_side(ctx, args.new, jurisdiction)
        opened.append(own)
        result = diff_catalogs(old, new, jurisdiction, args.department)
    finally:
        for catalog in opened:
            if catalog is not None:
                catalog.close()
    if args.xlsx:
        write_output(args.xlsx, diff_xlsx(result))
        result["xlsx"] = str(args.xlsx)
    emit(
        args,
        result,
        lambda: format_diff(result) + (f"\n\n已导出：{args.xlsx}" if args.xlsx else ""),
    )
    return 0


def run_mapping_save(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services import accounts
    from desktop_app.services.catalog import layouts

    user = login(args, ctx, required=False)
    accounts.require_once_accounts_exist(ctx, user, "settings.change")
    columns = _pairs(args.columns, "字段=列名")
    saved = layouts.save_mapping(ctx.data_dir, args.name, columns)
    data = {"name": args.name, "columns": saved}
    emit(
        args,
        data,
        f"已保存措施清单列映射“{args.name}”："
        + "，".join(f"{layouts.FIELDS[f][0]}←{c}" for f, c in saved.items()),
    )
    return 0


def run_mapping_list(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services.catalog import layouts

    mappings = layouts.load_mappings(ctx.data_dir)

    def text() -> str:
        if not mappings:
            return "尚未保存措施清单列映射。用 catalog mapping save NAME 字段=列名 … 保存。"
        return "\n".join(
            f"{name}：" + "，".join(f"{layouts.FIELDS[f][0]}←{c}" for f, c in m["columns"].items())
            for name, m in mappings.items()
        )

    emit(args, {"mappings": mappings}, text)
    return 0


def format_measures(rows: list[dict[str, Any]], version: str | None = None) -> str:
    """Measures as text for a person: one block per measure (`version`: the catalog
    version's label, said on the first line)."""
    if not rows:
        return "没有符合条件的措施。" + (f"（措施目录{version}）" if version else "")
    first = rows[0]
    lines = [
        f"{first['jurisdiction']} · {first['department']} · 共{len(rows)}项措施"
        + (f" · 措施目录{version}" if version else "")
    ]
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


def run_publish(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.cli.package import _passphrase
    from desktop_app.services.exchange import update_package

    key = update_package.load_private_key(args.key, _passphrase(args))
    manifest = update_package.make_catalog_versions_package(
        ctx.catalog, key, args.out, args.publisher, args.jurisdiction
    )
    versions = manifest["catalog"]["versions"]
    data = {"file": str(args.out), "manifest": manifest}
    text = (
        f"已制作目录更新包：{args.out}（{manifest['created_at']}，{args.publisher}）\n"
        + "\n".join(
            f"  {v['jurisdiction']}第{v['number']}版（{v['effective']}起施行），"
            f"来源 {v['source_name']}"
            for v in versions
        )
    )
    emit(
        args, data, text + "\n各部门电脑用 package import 导入（导入前 package verify 显示变化）。"
    )
    return 0
