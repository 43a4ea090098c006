"""The Chinese words for the codes that results, records and the audit trail store.

One table per kind of code, used by the CLI, the window, the printed record and the audit
report alike, so that a clerk reads the same words on the screen and on paper. Codes stay in
English in data and JSON; only what a person reads is translated.
"""

from __future__ import annotations

# The outcome of a check (`run_check`'s `status`).
STATUS_TEXT: dict[str, str] = {
    "listed": "发现失信记录",
    "not_listed": "未发现失信记录",
    "possible_match": "疑似匹配，请核实",
    "invalid_input": "输入有误",
}

# What the query was recognised as (`input_kind`).
INPUT_KIND_TEXT: dict[str, str] = {
    "resident_id": "身份证号码",
    "uscc": "统一社会信用代码",
    "org_code": "组织机构代码",
    "name": "姓名或名称",
}

# Who a check is about (`subject_type`).
SUBJECT_TYPE_TEXT: dict[str, str] = {"person": "自然人", "organization": "法人或非法人组织"}

# How a listing matched the query (a hit's `match`).
MATCH_TEXT: dict[str, str] = {
    "exact_id": "证件号码一致",
    "masked_id": "部分遮盖的证件号码及姓名一致",
    "org_code": "组织机构代码一致",
    "name_exact": "名称一致",
    "name_confirmed": "经办人核实确认",
    "related": "法定代表人同名",
    "branch": "分支机构与总机构（不是同一主体）",
    "former_name": "曾用名一致",
}

# Why a related subject is shown beside the one checked (a related hit's `match`): never
# the same subject, never counted as a hit.
RELATED_MATCH_TEXT: dict[str, str] = {
    "branch": "总公司/分支机构在名单上，不是同一主体",
    "related": "该人员与名单上单位的企业法定代表人同名，请核实是否同一人",
}

# What a row of a result's hits is to the clerk (see `record_types.hit_role`).
HIT_ROLE_TEXT: dict[str, str] = {
    "hit": "命中",
    "related": "关联主体",
    "history": "历史记录",
}

# Whom a measure applies to (a measure's `applies_to`).
APPLIES_TO_TEXT: dict[str, str] = {
    "person": "自然人",
    "organization": "法人和非法人组织",
    "any": "均适用",
}

# What the department did about a measure (结果反馈), and the word for "not yet".
FEEDBACK_ACTION_TEXT: dict[str, str] = {
    "applied": "已实施",
    "not_applicable": "不适用",
    "referred": "已移送",
}
NO_FEEDBACK_TEXT = "待反馈"


def feedback_action(value: str) -> str:
    """The feedback code of a code or of the label the window and the PDF show (已实施 →
    applied); anything else unchanged, for the records service to refuse."""
    value = value.strip()
    labels = {text: code for code, text in FEEDBACK_ACTION_TEXT.items()}
    return labels.get(value, value)


# Account roles.
ROLE_TEXT: dict[str, str] = {"clerk": "科员", "supervisor": "科长/信用办", "admin": "管理员"}

# Audit log actions (every code passed to `audit.log_event`; a test enumerates them).
ACTION_TEXT: dict[str, str] = {
    "admin_created": "创建管理员",
    "login": "登录",
    "login_failed": "登录失败",
    "login_refused_locked": "账户锁定期间登录被拒",
    "login_refused_disabled": "停用账户登录被拒",
    "account_locked": "账户被锁定",
    "user_added": "添加用户",
    "user_unlocked": "解锁用户",
    "user_changed": "修改用户",
    "user_disabled": "停用用户",
    "user_enabled": "启用用户",
    "password_changed": "修改密码",
    "password_reset": "重置密码",
    "check": "核查",
    "feedback": "结果反馈",
    "correction": "更正核查记录（确认疑似匹配）",
    "possible_rejected": "排除疑似匹配",
    "exclusion_added": "记住排除（同一证件号码不再提示）",
    "exclusion_undone": "撤销排除",
    "print": "打印核查记录",
    "list_import": "导入名单",
    "list_preview": "预览名单导入",
    "list_import_refused": "名单导入被拒绝",
    "certificate_import": "导入证书",
    "certificate_new": "生成新证书",
    "certificate_export": "导出证书",
    "backup_created": "创建备份",
    "backup_restored": "从备份恢复",
    "password_confirm_failed": "再次确认密码失败",
    "listing_view": "查看名单记录",
    "catalog_import": "导入措施目录",
    "setting_change": "修改设置",
    "report": "生成审计报告",
    "audit_head_repaired": "重建审计日志链尾",
    "batch_check": "批量核查",
    "batch_update": "更新批量核查记录（复核后）",
    "batch_print": "打印批量核查记录",
    "rescreen": "自动复查",
    "alert_closed": "提醒标记为已处理",
    "alert_record": "根据提醒重新核查",
    "feedback_export": "导出反馈包",
    "feedback_import": "导入反馈包",
    "feedback_chain_problem": "反馈包审计链异常",
    "feedback_report": "生成联合惩戒动态报告",
    "office_key_new": "生成信用办加密证书",
    "office_key_import": "导入信用办加密证书",
}

# What a re-check found changed for a subject checked earlier (an alert's `kind`).
ALERT_KIND_TEXT: dict[str, str] = {
    "newly_listed": "新列入失信名单",
    "no_longer_listed": "已不在失信名单中",
    "new_possible": "出现新的疑似匹配",
}
ALERT_STATE_TEXT: dict[str, str] = {"open": "待处理", "closed": "已处理"}
ALERT_RESOLUTION_TEXT: dict[str, str] = {"handled": "已处理", "new_record": "已重新核查"}


# Where a witness of the audit chain was read from (`witness.FileWitness.kind`).
WITNESS_KIND_TEXT: dict[str, str] = {
    "record_pdf": "核查记录 PDF",
    "report_pdf": "审计报告 PDF",
    "backup": "备份文件",
    "text": "见证文本",
}

# Whether the audit chain still contains a witness (`witness.WitnessCheck.state`).
WITNESS_STATE_TEXT: dict[str, str] = {
    "contained": "仍在日志中",
    "rewritten": "日志已被改写",
    "altered": "日志内容被改动",
    "missing": "该条已被删除",
    "beyond_end": "日志被截断或回退",
    "other_chain": "另一条审计链",
    "no_chain": "日志没有第 1 条",
}


def text_of(table: dict[str, str], code: str | None, missing: str = "—") -> str:
    """The Chinese word for `code` in `table`; an unknown code is shown as written."""
    if not code:
        return missing
    return table.get(code, code)
