"""`check QUERY --jurisdiction J --department D [--name NAME] [--as-of DATE]`: one check;
`check --batch FILE …` a whole file of subjects (see `desktop_app.cli.batch`).

A thin shell over `desktop_app.services.screening.check.run_check`, which the window calls too.
Exit status 2 for input that cannot be checked (wrong check digit, unknown department …), 3
for a result that is not conclusive (no list loaded, or only the demo lists): `"conclusive":
false` and `"inconclusive_reason"` in the JSON say the same for scripts.
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop_app.cli import add_json_flag, emit
from desktop_app.cli.arguments import whole_number
from desktop_app.cli.auth import login
from desktop_app.cli.batch import add_batch_options, run_batch_command
from desktop_app.cli.records import add_record_options, store_check
from desktop_app.context import AppContext
from desktop_app.errors import UsageError
from desktop_app.models.labels import APPLIES_TO_TEXT, HIT_ROLE_TEXT, MATCH_TEXT, text_of
from desktop_app.models.record_types import hit_role, input_note_texts

EXIT_NOT_CONCLUSIVE = 3
# Hits a check lists at most (a common name has tens of thousands; they are counted).
MAX_HITS = 100_000
EXIT_STATUS_HELP = """退出状态：
  0  核查结论有效（发现、未发现失信记录或疑似匹配）；批量核查：每一行都已核查
  2  输入有误，未核查（如身份证号码校验位不对、部门名称不存在）；
     批量核查：有的行无法核查（各行原因见输出）
  3  结果不能作为依据：本机尚未导入任何失信名单，或只有程序自带的演示名单。
     --json 输出中 "conclusive" 为 false，"inconclusive_reason" 为 no_lists 或
     demo_lists_only（输入有误时为 invalid_input）；号码末三位为000、未发现记录时
     为 id_may_be_truncated（可能是Excel丢失了末三位的号码）；只输入号码而名单上有
     可见部分一致的遮蔽号码时为 masked_ids_need_name（请同时输入姓名/名称）；另填的
     姓名/名称不像一个姓名或名称、只按号码核查而未发现时为 name_not_checked。
  6  办公数据库服务器连接不上，核查没有保存
  7  需要登录、登录失败或无权执行（--json 输出是带 "kind" 的错误信息）"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="核查一个主体：身份证号码、统一社会信用代码、组织机构代码或名称",
        description="核查一个主体是否被列入失信名单，并列出本部门应实施的措施。",
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "query",
        metavar="QUERY",
        nargs="?",
        help="身份证号码、统一社会信用代码、组织机构代码或名称（批量核查时用 --batch FILE）",
    )
    parser.add_argument("--jurisdiction", metavar="J", help="地区（默认取本机配置）")
    parser.add_argument("--department", metavar="D", help="实施部门（默认取本机配置）")
    parser.add_argument("--name", metavar="NAME", help="与证件号码一起核对的姓名/名称")
    parser.add_argument("--as-of", metavar="DATE", help="核查基准日期 YYYY-MM-DD（默认今天）")
    parser.add_argument(
        "--limit",
        type=whole_number(1, MAX_HITS),
        default=100,
        metavar="N",
        help=f"最多列出的命中条数（1–{MAX_HITS}，默认 100）",
    )
    add_record_options(parser)
    add_batch_options(parser)
    add_json_flag(parser)
    parser.set_defaults(func=run, read_only=True, check_parser=parser)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    from desktop_app.services import exclusions
    from desktop_app.services.screening.check import run_check

    if args.batch is not None:
        return run_batch_command(args, ctx)
    if not args.query:
        # As argparse says it for a missing argument (QUERY is optional only for --batch).
        args.check_parser.error(argparse._("the following arguments are required: %s") % "QUERY")
    if args.xlsx is not None or args.name_column or args.id_column or args.sheet:
        raise UsageError(
            "--xlsx、--sheet、--name-column 和 --id-column 只用于批量核查（--batch FILE）。"
        )
    # Once accounts exist a check is made by a logged-in user, for their own department.
    user = login(args, ctx, required=False)
    jurisdiction = args.jurisdiction or (user and user.jurisdiction) or ctx.config.jurisdiction
    department = args.department or (user and user.department) or ctx.config.department
    if not jurisdiction or not department:
        raise UsageError(
            "请用 --jurisdiction 和 --department 指定地区和实施部门（或由信息科在本机配置中设置）。"
        )
    result = run_check(
        ctx.catalog,
        ctx.lists,
        args.query,
        jurisdiction,
        department,
        name=args.name,
        as_of=args.as_of,
        limit=args.limit,
        exclusions=exclusions.lookup(ctx),
    )
    output = store_check(args, ctx, user, result)
    emit(args, output, lambda: result_text(output))
    if result.invalid:
        return 2
    return 0 if result.conclusive else EXIT_NOT_CONCLUSIVE


def result_text(result: dict[str, Any]) -> str:
    """A check result for reading in a terminal: warnings first, then hits, related
    subjects and history (each counted apart), possible matches and the measures."""
    lines = [f"{result['status_text']}（{result['jurisdiction']} {result['department']}）"]
    lines += [f"输入处理：{note}" for note in input_note_texts(result)]
    if result["error"]:
        lines.append(result["error"])
        return "\n".join(lines)
    lines += [f"注意：{warning}" for warning in result["warnings"]]
    if result["advice"]:
        lines.append(f"提示：{result['advice']}")
    hits = result["hits"]
    if result["hits_truncated"]:
        lines.append(f"共 {result['hit_count']} 条同名记录，仅列出前 {len(result['hits'])} 条。")
    roles = [hit_role(hit) for hit in hits]
    counts = "，".join(
        f"{HIT_ROLE_TEXT[role]} {roles.count(role)} 条" for role in HIT_ROLE_TEXT if role in roles
    )
    if counts:
        lines.append(f"名单记录：{counts}（关联主体和历史记录不计为命中）")
    for role, hit in sorted(
        zip(roles, hits, strict=True), key=lambda p: list(HIT_ROLE_TEXT).index(p[0])
    ):
        when = f"｜撤销 {hit['revoked_on']}" if hit["revoked_on"] else ""
        lines.append(
            f"{HIT_ROLE_TEXT[role]} [{hit['hit_id']}] {hit['name']} {hit['id'] or ''}"
            f"｜{hit['list']}｜{hit['category']}｜列入 {hit['listed_on'] or '—'}{when}"
            f"｜{text_of(MATCH_TEXT, hit['match'])}"
        )
        for note in (hit.get("note"), hit["catalog_note"]):
            if note:
                lines.append(f"    {note}")
    for item in result["possible"]:
        lines.append(
            f"疑似 [{item['hit_id']}] {item['name']}｜{item['list']}"
            f"｜相似度 {item['score']}：{item['reason']}"
        )
        parts = "；".join(part["text"] for part in item.get("matched_parts") or [])
        if parts:
            lines.append(f"    {parts}")
    for item in result.get("excluded") or []:
        lines.append(
            f"已排除 [{item['hit_id']}] {item['name']}｜{item['list']}｜{item['excluded_by']}"
            f" {item['excluded_at']}：{item['excluded_reason']}（同一证件号码不再提示）"
        )
    if result["measures"]:
        lines.append(f"本部门应实施的措施（{len(result['measures'])} 项）：")
        for measure in result["measures"]:
            tied = "、".join(str(hit_id) for hit_id in measure["hit_ids"])
            lines.append(
                f"  {measure['id']} {measure['label'] or ''} {measure['text']}"
                f"（{text_of(APPLIES_TO_TEXT, measure['applies_to'])}；"
                f"依据：{measure['basis']}；针对名单记录 {tied}）"
            )
    elif result["status"] == "listed":
        lines.append(
            "本部门应实施的措施：0 项（措施目录中本部门对命中名单的类别没有应实施的联合惩戒措施）"
        )
    if result.get("record_number"):
        lines.append(f"核查记录编号：{result['record_number']}")
    if result.get("pdf"):
        lines.append(f"已打印核查记录：{result['pdf']}")
    return "\n".join(lines)
