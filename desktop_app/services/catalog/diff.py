"""What changed between two catalog versions of a jurisdiction, per department and category.

Measures are compared within one department (内蒙古's measures implemented by every
signatory within its remit form one group, `BY_REMIT_GROUP`) and one category:

1. measures with the same text (after NFKC and without whitespace) are the same measure; it
   is `changed` when its basis, article numbers, measure type or whom it applies to differ;
2. of the measures left, pairs whose texts are similar (`SIMILAR` or more, character-level)
   are one measure reworded (`changed`, field `text`), most similar first;
3. the rest are `added` (only in the new version) or `removed` (only in the old one).

Labels and row numbers are not compared: a measure removed from the middle of a list
renumbers those after it without changing them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from rapidfuzz import fuzz

from desktop_app.models.catalog import BY_REMIT_GROUP
from desktop_app.models.catalog_build.reconcile import measure_text_key
from desktop_app.models.labels import APPLIES_TO_TEXT

SIMILAR = 60.0
COMPARED = ("text", "basis", "basis_articles", "measure_type", "applies_to")
FIELD_TEXT = {
    "text": "措施内容",
    "basis": "实施依据",
    "basis_articles": "依据条款",
    "measure_type": "措施类型",
    "applies_to": "适用对象",
}
KIND_TEXT = {"added": "新增", "removed": "删除", "changed": "修改"}


def _groups(measures: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for measure in measures:
        owners = [BY_REMIT_GROUP] if measure["by_remit"] or not measure["departments"] else None
        for department in owners or measure["departments"]:
            grouped[department].append(measure)
    return grouped


def _brief(measure: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": measure["id"],
        "label": measure["label"],
        "text": measure["text"],
        "basis": measure["basis"],
        "basis_articles": measure["basis_articles"],
        "measure_type": measure["measure_type"],
        "applies_to": measure["applies_to"],
        "source": measure["source"],
    }


def _pair(
    old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(pairs, removed, added) within one department and category."""
    pairs = []
    waiting: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for measure in old:
        waiting[measure_text_key(measure["text"])].append(measure)
    unmatched_new = []
    for measure in new:
        same = waiting.get(measure_text_key(measure["text"]))
        if same:
            pairs.append((same.pop(0), measure))
        else:
            unmatched_new.append(measure)
    unmatched_old = [m for group in waiting.values() for m in group]
    unmatched_old.sort(key=lambda m: old.index(m))
    scored = sorted(
        (
            (-fuzz.ratio(measure_text_key(a["text"]), measure_text_key(b["text"])), i, j)
            for i, a in enumerate(unmatched_old)
            for j, b in enumerate(unmatched_new)
        ),
    )
    used_old: set[int] = set()
    used_new: set[int] = set()
    for negative, i, j in scored:
        if -negative < SIMILAR:
            break
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append((unmatched_old[i], unmatched_new[j]))
    removed = [m for i, m in enumerate(unmatched_old) if i not in used_old]
    added = [m for j, m in enumerate(unmatched_new) if j not in used_new]
    return pairs, removed, added


def diff_catalogs(
    old: Any, new: Any, jurisdiction: str, department: str | None = None
) -> dict[str, Any]:
    """The changes from catalog `old` to catalog `new` (`Catalog`s of the jurisdiction):
    {"jurisdiction", "old", "new" (their version_info), "department" (the filter),
    "summary": {"added", "removed", "changed", "unchanged"}, "departments": [{"department",
    "added", "removed", "changed", "unchanged"}] (those with a change), "changes": [{"kind",
    "department", "category", "fields", "old", "new"}]}."""
    jurisdiction = new.resolve_jurisdiction(jurisdiction)
    before, after = _groups(old.all_measures(jurisdiction)), _groups(new.all_measures(jurisdiction))
    order = [d["name"] for d in new.departments(jurisdiction)]
    order += [d["name"] for d in old.departments(jurisdiction) if d["name"] not in order]
    if department is not None:
        wanted = new.find_department(jurisdiction, department) or old.find_department(
            jurisdiction, department
        )
        if wanted is None:
            new.resolve_department(jurisdiction, department)  # raises with suggestions
        names = [wanted]
    else:
        names = [BY_REMIT_GROUP, *order]
    changes: list[dict[str, Any]] = []
    per_department = []
    unchanged = 0
    for name in names:
        old_measures, new_measures = before.get(name, []), after.get(name, [])
        if not old_measures and not new_measures:
            continue
        categories = list(dict.fromkeys(m["category"] for m in [*new_measures, *old_measures]))
        counts = {"added": 0, "removed": 0, "changed": 0, "unchanged": 0}
        for category in categories:
            pairs, removed, added = _pair(
                [m for m in old_measures if m["category"] == category],
                [m for m in new_measures if m["category"] == category],
            )
            found = []
            for a, b in pairs:
                fields = [f for f in COMPARED if a[f] != b[f]]
                if fields == ["text"] and measure_text_key(a["text"]) == measure_text_key(
                    b["text"]
                ):
                    fields = []  # whitespace only
                if fields:
                    found.append(("changed", fields, a, b))
                else:
                    unchanged += 1
                    counts["unchanged"] += 1
            found += [("removed", [], m, None) for m in removed]
            found += [("added", [], None, m) for m in added]
            for kind, fields, a, b in found:
                counts[kind] += 1
                changes.append(
                    {
                        "kind": kind,
                        "kind_text": KIND_TEXT[kind],
                        "department": name,
                        "category": category,
                        "fields": fields,
                        "fields_text": "、".join(FIELD_TEXT[f] for f in fields),
                        "old": _brief(a) if a else None,
                        "new": _brief(b) if b else None,
                    }
                )
        if counts["added"] or counts["removed"] or counts["changed"]:
            per_department.append({"department": name, **counts})
    summary = {
        kind: sum(1 for change in changes if change["kind"] == kind)
        for kind in ("added", "removed", "changed")
    }
    summary["unchanged"] = unchanged
    return {
        "jurisdiction": jurisdiction,
        "old": old.version_info(jurisdiction),
        "new": new.version_info(jurisdiction),
        "department": names[0] if department is not None else None,
        "summary": summary,
        "departments": per_department,
        "changes": changes,
    }


def summary_text(diff: dict[str, Any]) -> str:
    """One line: 新增 1 项、删除 1 项、修改 1 项（3 个部门）."""
    summary = diff["summary"]
    if not any(summary[k] for k in ("added", "removed", "changed")):
        return "两个版本的措施相同。"
    parts = [f"{KIND_TEXT[k]} {summary[k]} 项" for k in ("added", "removed", "changed")]
    return "、".join(parts) + f"（涉及 {len(diff['departments'])} 个部门）"


def format_diff(diff: dict[str, Any]) -> str:
    """The diff as text for a person."""
    lines = [
        f"{diff['jurisdiction']}措施目录：{diff['old']['label']} → {diff['new']['label']}"
        + (f"（{diff['department']}）" if diff["department"] else ""),
        summary_text(diff),
    ]
    current = None
    for change in diff["changes"]:
        if change["department"] != current:
            current = change["department"]
            lines.append(f"\n{current}")
        head = f"  [{change['kind_text']}] {change['category']}"
        if change["kind"] == "changed":
            head += f"：{change['fields_text']}有变化"
        lines.append(head)
        for side, mark in (("old", "－"), ("new", "＋")):
            measure = change[side]
            if measure is None:
                continue
            lines.append(f"    {mark} {measure['label']}{measure['text']}")
            if "basis" in change["fields"] or "basis_articles" in change["fields"]:
                articles = f" {measure['basis_articles']}" if measure["basis_articles"] else ""
                lines.append(f"      依据：{measure['basis']}{articles}")
            if "applies_to" in change["fields"]:
                lines.append(f"      适用：{APPLIES_TO_TEXT[measure['applies_to']]}")
    return "\n".join(lines)


def diff_xlsx(diff: dict[str, Any]) -> bytes:
    """The diff as an Excel workbook: 概况 (versions and counts) and 变化 (one row a change)."""
    import io

    from openpyxl import Workbook

    from desktop_app.services.audit.report_files import set_cell, table_sheet

    workbook = Workbook()
    overview = workbook.active
    overview.title = "概况"
    rows = [
        ("地区", diff["jurisdiction"]),
        ("原版本", diff["old"]["label"]),
        ("原版本来源", diff["old"]["source_name"]),
        ("新版本", diff["new"]["label"]),
        ("新版本来源", diff["new"]["source_name"]),
        ("部门", diff["department"] or "全部"),
        ("新增", diff["summary"]["added"]),
        ("删除", diff["summary"]["removed"]),
        ("修改", diff["summary"]["changed"]),
        ("未变", diff["summary"]["unchanged"]),
    ]
    for index, (label, value) in enumerate(rows, 1):
        set_cell(overview, index, 1, label)
        set_cell(overview, index, 2, value)
    overview.column_dimensions["A"].width = 14
    overview.column_dimensions["B"].width = 60

    def side(change: dict[str, Any], which: str, key: str) -> Any:
        measure = change[which]
        if measure is None:
            return None
        if key == "basis":
            articles = measure["basis_articles"]
            return measure["basis"] + (f" {articles}" if articles else "")
        if key == "applies_to":
            return APPLIES_TO_TEXT[measure["applies_to"]]
        if key == "text":
            return f"{measure['label']}{measure['text']}"
        return measure[key]

    table = [
        {
            "department": change["department"],
            "category": change["category"],
            "kind": change["kind_text"],
            "fields": change["fields_text"],
            **{
                f"{which}_{key}": side(change, which, key)
                for which in ("old", "new")
                for key in ("id", "text", "basis", "applies_to")
            },
        }
        for change in diff["changes"]
    ]
    columns = [
        ("实施部门", "department", None, 18),
        ("联合惩戒对象", "category", None, 22),
        ("变化", "kind", None, 8),
        ("变化内容", "fields", None, 14),
        ("原措施", "old_text", None, 50),
        ("新措施", "new_text", None, 50),
        ("原依据", "old_basis", None, 30),
        ("新依据", "new_basis", None, 30),
        ("原适用对象", "old_applies_to", None, 12),
        ("新适用对象", "new_applies_to", None, 12),
        ("原编号", "old_id", None, None),
        ("新编号", "new_id", None, None),
    ]
    table_sheet(
        workbook,
        "变化",
        columns,
        table,
        f"{diff['jurisdiction']}措施目录 {diff['old']['label']} → {diff['new']['label']}",
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
