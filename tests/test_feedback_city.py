"""End to end, through the command line: three departments check subjects and give feedback,
export their feedback packages; the credit office imports them and reports; every figure of
the report equals the sum computed from the departments' own records."""

# The fixtures `city`, `sqlite_city` and `city_template` come from feedback_support; tests take
# them by name.
# ruff: noqa: F811

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, timedelta

from feedback_support import (
    DEBTORS,
    DEPARTMENTS,
    NOT_LISTED,
    TAX_VIOLATORS,
    city,  # noqa: F401 (fixture)
    city_template,  # noqa: F401 (fixture)
    sqlite_city,  # noqa: F401 (fixture)
)
from openpyxl import load_workbook

from desktop_app.models.record_types import active_hits
from desktop_app.services import admin, records
from desktop_app.services.records import signing

# What each department's clerk checks, and the feedback given on each listed record's
# measures in order (None: left pending).
WORK = {
    "dept-a": [
        (DEBTORS[0], ["applied", "applied", "not_applicable", None, "referred"]),
        (DEBTORS[1], ["applied"]),
        (DEBTORS[2], []),
        (TAX_VIOLATORS[1], ["referred", "applied"]),
        (NOT_LISTED[0], []),
    ],
    "dept-b": [
        (DEBTORS[0], ["applied", "not_applicable"]),
        (TAX_VIOLATORS[0], ["applied", "applied", "applied"]),
        (DEBTORS[3], [None, "referred"]),
    ],
    "dept-c": [
        (DEBTORS[1], ["applied"]),
        (TAX_VIOLATORS[1], []),
        (NOT_LISTED[0], []),
    ],
}
STATES = ("applied", "not_applicable", "referred", "pending")


def _period() -> tuple[str, str]:
    today = date.today()
    return (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()


def _do_the_work(pc, work) -> None:
    for query, actions in work:
        code, out, err = pc.cli("check", query, "--json", user="zhang")
        assert code == 0, err
        record = json.loads(out)
        for measure, action in zip(record["measures"], actions, strict=False):
            if action is None:
                continue
            extra = ["--reason", "申请事项不涉及"] if action == "not_applicable" else []
            code, _, err = pc.cli(
                "records", "feedback", record["record_number"], "--measure", measure["id"],
                "--action", action, *extra, user="zhang",
            )  # fmt: skip
            assert code == 0, err


def _expected(city, period) -> dict:
    """The report's figures, summed from each department's own records."""
    per_department: dict[str, Counter] = {}
    per_pair: dict[tuple[str, str], Counter] = defaultdict(Counter)
    per_initiator: dict[tuple[str, str], Counter] = defaultdict(Counter)
    subjects: dict[str, set] = defaultdict(set)
    for pc in city.departments:
        department = DEPARTMENTS[pc.name]
        with pc.context() as ctx:
            wang = pc.user(ctx, "wang")
            own = records.list_records(ctx, wang, date_from=period[0], date_to=period[1])
        counts = per_department[department] = Counter(checks=len(own))
        for record in own:
            hits = active_hits(record)
            if hits:
                subjects[department].add(record["value"])
            for category in {hit["category"] for hit in hits}:
                per_pair[(department, category)]["checks"] += 1
            for measure in record["measures"]:
                state = measure["feedback"]["action"] or "pending"
                for counter in (counts, per_pair[(department, measure["category"])]):
                    counter["measures"] += 1
                    counter[state] += 1
                per_initiator[(measure["initiator"], department)][state] += 1
    return {
        "departments": per_department,
        "pairs": per_pair,
        "initiators": per_initiator,
        "subjects": subjects,
    }


def test_three_departments_report_to_the_credit_office(city, tmp_path) -> None:
    period = _period()
    packages = []
    for pc in city.departments:
        _do_the_work(pc, WORK[pc.name])
        out_file = tmp_path / f"{pc.name}.p7m"
        code, out, err = pc.cli(
            "feedback", "export", "--from", period[0], "--to", period[1], "--out",
            str(out_file), "--json", user="wang",
        )  # fmt: skip
        assert code == 0, err
        exported = json.loads(out)
        assert exported["records"] == len(WORK[pc.name])
        packages.append(str(out_file))
    # A fourth department the office expects to hear from, which sends nothing.
    silent = tmp_path / "silent"
    with city.office.environment():
        certificate = signing.generate_department_identity(silent, "柳州市", "市教育局")
        signing.export_certificate(silent, tmp_path / "edu.cer")
    with city.office.context() as ctx:
        admin.trust_department(ctx, city.office.user(ctx, "admin"), tmp_path / "edu.cer")
    assert certificate.common_name == "市教育局"

    code, out, err = city.office.cli("feedback", "import", *packages, "--json", user="admin")
    assert code == 0, err
    imported = json.loads(out)
    assert [p["imported"] for p in imported["packages"]] == [True, True, True]
    pdf, xlsx = tmp_path / "动态.pdf", tmp_path / "动态.xlsx"
    code, out, err = city.office.cli(
        "feedback", "report", "--from", period[0], "--to", period[1],
        "--pdf", str(pdf), "--xlsx", str(xlsx), "--json", user="chen",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    expected = _expected(city, period)

    by_department = {row["department"]: row for row in report["by_department"]}
    for department, counts in expected["departments"].items():
        row = by_department[department]
        assert row["checks"] == counts["checks"], department
        assert row["measures"] == counts["measures"], department
        assert [row[s] for s in STATES] == [counts[s] for s in STATES], department
        assert row["subjects_found"] == len(expected["subjects"][department]), department
    pairs = {(r["department"], r["category"]): r for r in report["by_department_category"]}
    assert set(pairs) == set(expected["pairs"])
    for key, counts in expected["pairs"].items():
        assert pairs[key]["checks"] == counts["checks"], key
        assert [pairs[key][s] for s in STATES] == [counts[s] for s in STATES], key
    initiators = {
        (item["initiator"], row["department"]): row
        for item in report["by_initiator"]
        for row in item["departments"]
    }
    assert set(initiators) == set(expected["initiators"])
    for key, counts in expected["initiators"].items():
        assert [initiators[key][s] for s in STATES] == [counts[s] for s in STATES], key
    totals = report["totals"]
    assert totals["checks"] == sum(c["checks"] for c in expected["departments"].values())
    assert totals["measures"] == sum(c["measures"] for c in expected["departments"].values())
    assert totals["applied"] == sum(c["applied"] for c in expected["departments"].values())
    assert len(report["applied_measures"]) == totals["applied"]
    assert {r["initiator"] for r in report["applied_measures"]} <= {
        initiator for initiator, _ in expected["initiators"]
    }
    assert (totals["departments"], totals["departments_reporting"]) == (4, 3)
    # 绩效考核: every department, the silent one listed with nothing received.
    performance = {row["department"]: row for row in report["performance"]}
    assert performance["市教育局"]["status_text"] == "本期未报送"
    assert performance["市教育局"]["last_package"] is None
    for department, counts in expected["departments"].items():
        row = performance[department]
        given = counts["measures"] - counts["pending"]
        assert (row["measures"], row["with_feedback"]) == (counts["measures"], given)
        assert row["completeness"] == round(given / counts["measures"], 4)
        assert row["last_package"]["sequence"] == 1 and row["status_text"] == "已报送"
    assert report["by_month"][0]["checks"] == totals["checks"]

    # The workbook says the same.
    book = load_workbook(xlsx)
    sheet = book["联合惩戒动态"]
    header = [cell.value for cell in sheet[1]]
    rows = [
        dict(zip(header, values, strict=True))
        for values in sheet.iter_rows(min_row=2, values_only=True)
    ]
    totals_rows = {r["部门"]: r for r in rows if r["联合惩戒对象"] == "（合计）"}
    for department, counts in expected["departments"].items():
        assert totals_rows[department]["应实施措施"] == counts["measures"]
        assert totals_rows[department]["已实施"] == counts["applied"]
    assert totals_rows["市教育局"]["核查次数"] == 0
    assert [r[0].value for r in book["绩效考核"].iter_rows(min_row=2)] == sorted(performance)
    # And the PDF, page by page.
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    text = "".join(page.get_textpage().get_text_range() for page in document)
    document.close()
    for department in (*expected["departments"], "市教育局"):
        assert department in text
    assert "本期未报送" in text and "联合惩戒动态" in text and "绩效考核" in text

    # Importing the same packages again changes nothing; the office's own check records
    # stay apart from the imported ones.
    code, out, _ = city.office.cli("feedback", "import", *packages, "--json", user="admin")
    assert [p["already_imported"] for p in json.loads(out)["packages"]] == [True] * 3
    code, out, _ = city.office.cli("records", "list", "--json", user="chen")
    assert json.loads(out) == []
    code, out, _ = city.office.cli("feedback", "packages", "--json", user="chen")
    received = json.loads(out)
    assert sorted(p["department"] for p in received["packages"]) == sorted(DEPARTMENTS.values())
    assert received["findings"] == []
    code, out, _ = city.office.cli("feedback", "records", "--json", user="chen")
    assert len(json.loads(out)) == totals["checks"]
    code, out, _ = city.office.cli("feedback", "records", user="chen")
    assert code == 0 and "导入的记录只读" in out and "来自第 1 号反馈包" in out
    # The office's encryption certificate, as departments receive it.
    code, out, _ = city.office.cli("feedback", "office-cert", "show")
    assert code == 0 and "RSA-3072" in out


def test_median_days_overdue_and_late_feedback_follow_the_records_times(
    city, tmp_path, monkeypatch
) -> None:
    """Checks made 40 days ago, feedback given 3, 10 and 20 days after the check, the other
    measures still pending: the median is 10 days; with 15 days allowed one feedback is late
    and every pending measure overdue; with 25 none is late; with 45 none is overdue."""
    from feedback_support import WIDE, export, feedback, import_package

    from desktop_app.services import audit
    from desktop_app.services.feedback import city_report

    real_now = audit.now
    base = real_now() - timedelta(days=40)
    clock: dict[str, object] = {"at": base}
    monkeypatch.setattr(audit, "now", lambda: clock["at"] or real_now())
    a = city.department("dept-a")
    with a.context() as ctx:
        zhang = a.user(ctx, "zhang")
        first, second = (checked_at(ctx, zhang, query, base) for query in DEBTORS[:2])
        clock["at"] = base + timedelta(days=3)
        feedback(ctx, zhang, first, ["applied"])
        clock["at"] = base + timedelta(days=10)
        second = feedback(ctx, zhang, second, ["applied"])
        clock["at"] = base + timedelta(days=20)
        feedback(ctx, zhang, second, [None, "referred"])
        clock["at"] = None
        export(ctx, a.user(ctx, "wang"), tmp_path / "a.p7m")
    measures = len(first["measures"]) + len(second["measures"])
    assert measures > 3
    with city.office.context() as ctx:
        import_package(ctx, tmp_path / "a.p7m")
        chen = city.office.user(ctx, "chen")

        def report(days: int) -> dict:
            return city_report.build_report(
                ctx, chen, date_from=WIDE[0], date_to=WIDE[1], overdue_days=days
            )

        reports = {days: report(days) for days in (15, 25, 45)}
    department = DEPARTMENTS["dept-a"]
    for days, (late, overdue) in {15: (1, measures - 3), 25: (0, measures - 3), 45: (0, 0)}.items():
        got = reports[days]
        (row,) = [r for r in got["by_department"] if r["department"] == department]
        assert row["median_days"] == 10.0
        assert (got["totals"]["late"], got["totals"]["overdue"]) == (late, overdue), days
        (performance,) = [r for r in got["performance"] if r["department"] == department]
        assert (performance["late"], performance["overdue"]) == (late, overdue), days
        assert performance["pending"] == measures - 3
    assert reports[15]["totals"]["median_days"] == 10.0


def checked_at(ctx, user, query: str, moment) -> dict:
    """A stored check of `query` as if made at `moment` (the check's own clock is the
    computer's; the record and its audit entry take `audit.now`, patched by the caller)."""
    from desktop_app.services.screening.check import run_check

    result = run_check(ctx.catalog, ctx.lists, query, user.jurisdiction, user.department, None)
    result.checked_at = moment.isoformat(timespec="seconds")
    return dict(records.record_check(ctx, user, result))
