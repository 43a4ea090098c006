"""The clerk's screen: one search field, the result, the measures, feedback and the record.

Typing shows at once what the input is taken for (resident ID, credit code, organisation code,
name) and marks an ID with a wrong check digit in red with the reason; Enter checks (on the
check thread: the window stays responsive), Esc clears. Every check is stored as a check
record; feedback and confirmed matches make new versions of it; Ctrl+P prints the signed
record (preview, system print dialog, save).
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.context import AppContext
from desktop_app.errors import AppError, PermissionDeniedError
from desktop_app.models.identifiers import InputKind, parse_query
from desktop_app.models.labels import APPLIES_TO_TEXT, INPUT_KIND_TEXT, text_of
from desktop_app.models.record_types import (
    active_hits,
    feedback_text,
    input_note_texts,
    masked_query,
    related_subjects,
)
from desktop_app.models.users_store import User
from desktop_app.ui import theme
from desktop_app.ui.feedback import FeedbackChoice, FeedbackPanel
from desktop_app.ui.measures_model import (
    COL_APPLIES,
    COL_BASIS,
    COL_FEEDBACK,
    COL_INITIATOR,
    COL_LABEL,
    COL_TEXT,
    MEASURE_ROLE,
    POSITION_ROLE,
    MeasuresFilter,
    MeasuresModel,
    basis_text,
    measure_text,
    source_text,
)
from desktop_app.ui.result_widgets import HitsTable, PossiblePanel, ResultBanner
from desktop_app.ui.widgets import (
    FittingLineEdit,
    SearchableComboBox,
    WrappingTableView,
    error_text,
    hint,
    section_title,
    show_error,
)
from desktop_app.ui.workers import CheckRunner, TaskRunner

# The check field's placeholder, longest first: the longest that fits the field is shown.
SEARCH_PLACEHOLDERS = (
    "身份证号码、统一社会信用代码、组织机构代码或名称",
    "身份证号码、信用代码、组织机构代码或名称",
    "证件号码或名称",
)


@dataclass
class Session:
    """Who is logged in, for which department, on which data folder (GUI-thread stores)."""

    ctx: AppContext
    user: User
    jurisdiction: str
    department: str
    demo: bool = False
    print_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="xyhc-print-")))


def may_choose_department(user: User, jurisdiction: str) -> bool:
    """Whether `user` may check in the name of any department, not only their own.

    Asks the one place that decides (`accounts.require_department`) with a department that
    is nobody's own, rather than comparing role names here.
    """
    from desktop_app.services import accounts

    try:
        accounts.require_department(user, jurisdiction, "\u0000")
    except PermissionDeniedError:
        return False
    return True


def describe_input(text: str) -> tuple[str, str]:
    """(state, words) for the label under the search field: ("ok"|"error"|"", text). What
    the text rule removed or mapped (invisible characters, other digits, look-alike
    letters) follows on a line of its own, and an identifier it changed is shown as it will
    be searched (a bidi override shows the field's number back to front)."""
    if not text.strip():
        return "", "可输入 18 位身份证号码（或 15 位旧证）、统一社会信用代码、组织机构代码或名称"
    parsed = parse_query(text)
    notes = "".join(f"\n{note.text}" for note in parsed.notes)
    if parsed.error:
        return "error", parsed.error + notes
    kind = INPUT_KIND_TEXT[parsed.kind]
    if parsed.kind is InputKind.NAME:
        return "ok", f"将按{kind}核查：{parsed.value}{notes}"
    extra = "（15 位旧证，已转换为 18 位）" if parsed.converted_from_15 else ""
    if parsed.notes:
        extra += f"；将按 {parsed.value} 核查"
    if parsed.name:
        extra += f"；并与名称“{parsed.name}”一起核对"
    return "ok", f"{kind}，校验位正确{extra}{notes}"


class MeasuresView(WrappingTableView):
    """The measures table: headings span the row; label/applies-to/feedback stay narrow."""

    def __init__(self, show_feedback: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.measures_model = MeasuresModel(show_feedback, self)
        self.filter = MeasuresFilter(self)
        self.filter.setSourceModel(self.measures_model)
        self.setModel(self.filter)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_TEXT, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(COL_LABEL, 56)
        header.resizeSection(COL_BASIS, 190)
        header.resizeSection(COL_INITIATOR, 110)
        header.resizeSection(COL_APPLIES, 80)
        if show_feedback:
            header.resizeSection(COL_FEEDBACK, 100)

    def is_heading(self, row: int) -> bool:
        source = self.filter.mapToSource(self.filter.index(row, 0))
        return self.measures_model.is_heading(source.row())

    def set_measures(self, measures: list[dict[str, Any]], title: Callable | None = None) -> None:
        # Row heights and heading spans follow on the next event-loop turn (one pass).
        self.measures_model.set_measures(measures, title)
        self.filter.invalidate_groups()

    def set_filter(self, text: str) -> None:
        self.filter.set_text(text)

    def selected_measures(self) -> list[tuple[int, dict[str, Any]]]:
        """(position in the record, measure) of the selected measure rows."""
        chosen = []
        for row in self.selected_rows():
            index = self.filter.index(row, 0)
            measure = index.data(MEASURE_ROLE)
            if measure is not None:
                chosen.append((index.data(POSITION_ROLE), measure))
        return chosen

    def current_measure(self) -> dict[str, Any] | None:
        index = self.currentIndex()
        return index.data(MEASURE_ROLE) if index.isValid() else None


def measures_title(measure: dict[str, Any], hits: list[dict[str, Any]]) -> str:
    """The heading of a group of measures: their category and the hits they come from."""
    names = {hit["hit_id"]: hit["name"] for hit in hits}
    tied = measure.get("hit_ids") or [measure.get("hit_id")]
    about = "、".join(dict.fromkeys(names.get(hit_id, "") for hit_id in tied[:3]))
    if len(tied) > 3:
        about += f" 等 {len(tied)} 条名单记录"
    return f"{measure['category']}　·　{about}"


def measure_detail_html(measure: dict[str, Any] | None) -> str:
    """The full text of a measure and where it comes from, for the detail pane."""
    if measure is None:
        return "<p style='color:#5b6573'>选择一项措施，这里显示全文、实施依据和出处。</p>"
    esc = html.escape
    rows = [
        ("联合惩戒对象", measure["category"]),
        ("实施依据", basis_text(measure)),
        ("发起部门", measure.get("initiator") or ""),
        ("适用对象", text_of(APPLIES_TO_TEXT, measure["applies_to"])),
        ("出处", source_text(measure)),
        ("措施编号", measure["id"]),
    ]
    feedback = measure.get("feedback") or {}
    if feedback.get("action"):
        words = feedback_text(feedback)
        if feedback.get("note"):
            words += f"；备注：{feedback['note']}"
        rows.append(("结果反馈", words))
    text = esc(measure_text(measure)).replace("\n", "<br>")
    table = "".join(
        f"<tr><td style='color:#5b6573;padding-right:8px;white-space:nowrap'>{esc(k)}</td>"
        f"<td>{esc(v)}</td></tr>"
        for k, v in rows
    )
    label = esc(measure.get("label") or "")
    return f"<p><b>{label}</b> {text}</p><table>{table}</table>"


class CheckView(QWidget):
    """The check screen. `record_changed(record)` after every check, feedback or print."""

    record_changed = Signal(object)

    def __init__(self, session: Session, checks: CheckRunner, tasks: TaskRunner) -> None:
        super().__init__()
        self.session = session
        self.checks = checks
        self.tasks = tasks
        self.record: dict[str, Any] | None = None
        self.editable = False
        self.printed: dict[str, Any] | None = None
        self.preview: Any = None
        self._ticket = 0
        self._build()
        checks.finished.connect(self._check_finished)
        checks.failed.connect(self._check_failed)
        self.clear()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        ctx, user = self.session.ctx, self.session.user
        self.department = SearchableComboBox()
        self.department.set_entries(
            ((d["name"], d["aliases"]) for d in ctx.catalog.departments(self.session.jurisdiction)),
            current=self.session.department,
        )
        self.department.setEnabled(
            may_choose_department(user, self.session.jurisdiction)
            and not ctx.config.lock_department
        )
        self.department.setToolTip("核查以该部门的名义进行，措施表列出该部门应实施的措施")
        self.department.setMinimumWidth(260)
        department_row = QHBoxLayout()
        department_row.addWidget(QLabel(f"{self.session.jurisdiction}　核查部门(&D)："))
        department_row.itemAt(0).widget().setBuddy(self.department)
        department_row.addWidget(self.department)
        department_row.addStretch(1)

        self.search = FittingLineEdit(SEARCH_PLACEHOLDERS)
        self.search.setObjectName("searchField")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(420)
        self.name = QLineEdit()
        self.name.setPlaceholderText("姓名/名称（选填，与证件号码一起核对）")
        self.name.setToolTip("名单上证件号码被部分遮蔽（如 4501**********1234）时，凭姓名核对")
        self.check_button = QPushButton("核查 (Enter)")
        self.check_button.setProperty("primary", True)
        self.clear_button = QPushButton("清除 (Esc)")
        self.print_button = QPushButton("打印核查记录 (Ctrl+P)")
        self.save_button = QPushButton("保存 PDF (Ctrl+S)")
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 3)
        search_row.addWidget(self.name, 2)
        search_row.addWidget(self.check_button)
        search_row.addWidget(self.clear_button)
        search_row.addStretch(0)
        search_row.addWidget(self.print_button)
        search_row.addWidget(self.save_button)
        self.kind = QLabel()
        self.kind.setObjectName("inputKind")
        self.kind.setWordWrap(True)
        self.banner = ResultBanner()

        self.hits = HitsTable()
        self.hits_note = hint("")
        self.possible = PossiblePanel()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(section_title("名单记录"))
        left_layout.addWidget(self.hits_note)
        left_layout.addWidget(self.hits, 3)
        self.possible_title = section_title("疑似匹配")
        left_layout.addWidget(self.possible_title)
        left_layout.addWidget(self.possible, 2)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("筛选措施 (Ctrl+F)，如：政府采购")
        self.filter.setClearButtonEnabled(True)
        self.measures = MeasuresView(show_feedback=True)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.feedback = FeedbackPanel()
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.detail)
        lower.addWidget(self.feedback)
        lower.setSizes([420, 420])
        right_split = QSplitter(Qt.Orientation.Vertical)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        self.measures_title = section_title("本部门应实施的措施")
        title_row = QHBoxLayout()
        title_row.addWidget(self.measures_title)
        title_row.addStretch(1)
        title_row.addWidget(self.filter)
        self.filter.setMinimumWidth(300)
        table_layout.addLayout(title_row)
        table_layout.addWidget(self.measures, 1)
        right_split.addWidget(table_box)
        right_split.addWidget(lower)
        right_split.setStretchFactor(0, 3)
        right_split.setStretchFactor(1, 2)
        results = QSplitter(Qt.Orientation.Horizontal)
        results.addWidget(left)
        results.addWidget(right_split)
        results.setStretchFactor(0, 2)
        results.setStretchFactor(1, 3)
        results.setSizes([560, 780])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.addLayout(department_row)
        layout.addLayout(search_row)
        layout.addWidget(self.kind)
        layout.addWidget(self.banner)
        layout.addWidget(results, 1)

        self.search.textChanged.connect(self._input_changed)
        self.search.returnPressed.connect(self.run_check)
        self.name.returnPressed.connect(self.run_check)
        self.check_button.clicked.connect(self.run_check)
        self.clear_button.clicked.connect(self.clear)
        self.print_button.clicked.connect(lambda: self.print_record(save_only=False))
        self.save_button.clicked.connect(lambda: self.print_record(save_only=True))
        self.filter.textChanged.connect(self.measures.set_filter)
        self.measures.selectionModel().selectionChanged.connect(lambda *_: self._selection())
        self.measures.selectionModel().currentChanged.connect(lambda *_: self._selection())
        self.feedback.submitted.connect(self.give_feedback)
        self.possible.confirm_requested.connect(self.confirm_possible)
        self.possible.reject_requested.connect(self.reject_possible)
        self.department.currentIndexChanged.connect(lambda _: self.clear())

        for keys, slot in (
            ("Ctrl+L", self.focus_search),
            ("Esc", self.clear),
            ("Ctrl+P", lambda: self.print_record(save_only=False)),
            ("Ctrl+S", lambda: self.print_record(save_only=True)),
            ("Ctrl+F", self.focus_filter),
            ("Alt+1", lambda: self._feedback_key("applied")),
            ("Alt+2", lambda: self._feedback_key("not_applicable")),
            ("Alt+3", lambda: self._feedback_key("referred")),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)
        QWidget.setTabOrder(self.search, self.name)
        QWidget.setTabOrder(self.name, self.check_button)
        QWidget.setTabOrder(self.check_button, self.hits)
        QWidget.setTabOrder(self.hits, self.possible.table)
        QWidget.setTabOrder(self.possible.table, self.possible.confirm_button)
        QWidget.setTabOrder(self.possible.confirm_button, self.possible.reject_button)
        QWidget.setTabOrder(self.possible.reject_button, self.filter)
        QWidget.setTabOrder(self.filter, self.measures)
        QWidget.setTabOrder(self.measures, self.feedback.radios["applied"])

    # -- input ---------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def _input_changed(self, text: str) -> None:
        state, words = describe_input(text)
        theme.set_state(self.search, state)
        theme.set_state(self.kind, state)
        self.kind.setText(words)
        is_id = bool(text.strip()) and parse_query(text).kind is not InputKind.NAME
        self.name.setEnabled(is_id)

    @property
    def current_department(self) -> str:
        return self.department.value() or self.session.department

    def run_check(self) -> None:
        """Enter: an invalid ID is refused here (nothing searched); otherwise check it."""
        query = self.search.text().strip()
        if not query:
            self.focus_search()
            return
        parsed = parse_query(query)
        if parsed.error:
            self._show_invalid(parsed.error)
            return
        name = self.name.text().strip() if self.name.isEnabled() else ""
        self.banner.show_busy(query)
        self.check_button.setEnabled(False)
        self._ticket = self.checks.check(
            query,
            name or None,
            self.session.jurisdiction,
            self.current_department,
            self.session.user,
        )

    def _show_invalid(self, error: str) -> None:
        self._show_nothing()
        self.hits.set_empty_text("输入有误，没有进行查询。请按上面的提示改正后再按回车。")
        self.banner.show_status("invalid_input", "输入有误", error)
        theme.set_state(self.search, "error")
        self.focus_search()

    def _check_finished(self, ticket: int, outcome: dict[str, Any]) -> None:
        if ticket != self._ticket:
            return  # a newer check was asked for meanwhile
        self.check_button.setEnabled(True)
        if outcome["status"] == "invalid_input":
            self._show_invalid(outcome["error"] or "请核对输入。")
            return
        self.show_record(outcome, editable=True)
        self.record_changed.emit(outcome)

    def _check_failed(self, ticket: int, error: BaseException) -> None:
        if ticket != self._ticket:
            return
        self.check_button.setEnabled(True)
        # The previous subject's result must not stay under the new query.
        self._show_nothing()
        self.hits.set_empty_text("核查未完成，没有结果：请按提示处理后再按回车。")
        self.banner.show_idle("核查未完成")
        show_error(self, error, "核查未完成")

    # -- showing a record ----------------------------------------------------------------
    def clear(self) -> None:
        """Esc: empty the search and the result, ready for the next subject."""
        self._ticket += 1  # answers to an earlier check are no longer wanted
        self.check_button.setEnabled(True)
        self.search.clear()
        self.name.clear()
        self.filter.clear()
        self._show_nothing()
        self.banner.show_idle()
        self.focus_search()

    def _show_nothing(self) -> None:
        self.record = None
        self.editable = False
        self.printed = None
        self.hits.hits_model.set_hits([])
        self.hits.set_empty_text("")
        self.measures.set_empty_text("")
        self.hits_note.setText("")
        self.hits_note.setVisible(False)
        self.possible.set_possible([], editable=False)
        self.possible.setVisible(False)
        self.possible_title.setVisible(False)
        self.measures.set_measures([])
        self.measures_title.setText("本部门应实施的措施")
        self.detail.setHtml(measure_detail_html(None))
        self.feedback.clear()
        self.feedback.set_target(0, False, "核查后可在这里登记每项措施的处理结果。")
        self.print_button.setEnabled(False)
        self.save_button.setEnabled(False)

    def show_record(self, record: dict[str, Any], editable: bool) -> None:
        """Show a check record (a new check, or one reopened from the history)."""
        self.record = record
        self.editable = editable
        self.printed = None
        self.banner.show_status(
            record["status"],
            record["status_text"],
            self._summary(record),
            warned=bool(record.get("warnings")),
        )
        theme.set_state(self.search, "")
        hits = record["hits"]
        self.hits.hits_model.set_hits(hits)
        self.hits.set_empty_text("没有与输入一致的名单记录。")
        self.measures.set_empty_text(
            "本部门没有针对该类对象的惩戒措施。"
            if record["status"] == "listed"
            else "未发现失信记录，但核查结果不能作为依据（见上方的注意事项）。"
            if record["status"] == "not_listed" and record.get("warnings")
            else "未发现失信记录，本部门无需实施惩戒措施。"
            if record["status"] == "not_listed"
            else "请先核实下方的疑似匹配：确认为同一主体后，这里列出应实施的措施。"
        )
        notes = [f"输入处理：{note}" for note in input_note_texts(record)]
        if record.get("hits_truncated"):
            notes.append(
                f"同名记录共 {record['hit_count']} 条，仅列出前 {len(hits)} 条；"
                "请用证件号码核查以确定是否同一主体。"
            )
        if any(h.get("catalog_note") for h in hits):
            notes.append("部分名单类别在本地区的措施目录中没有惩戒措施（见该行提示）。")
        self.hits_note.setText("\n".join(notes))
        self.hits_note.setVisible(bool(notes))
        possible, rejected = record["possible"], record.get("rejected") or []
        excluded = record.get("excluded") or []
        self.possible.set_possible(possible, editable, rejected, excluded)
        shown = bool(possible or rejected or excluded)
        self.possible.setVisible(shown)
        self.possible_title.setVisible(shown)
        counts = [f"{len(possible)} 条，请逐条确认或排除"] if possible else []
        counts += [f"已排除 {len(rejected)} 条"] if rejected else []
        counts += [f"此前已排除 {len(excluded)} 条，不再提示"] if excluded else []
        self.possible_title.setText(f"疑似匹配（{'；'.join(counts)}）")
        self.measures.set_measures(record["measures"], lambda m: measures_title(m, hits))
        count = self.measures.measures_model.measure_count()
        self.measures_title.setText(
            f"{record['department']}应实施的措施（{count} 项）"
            if count
            else f"{record['department']}应实施的措施"
        )
        self.detail.setHtml(measure_detail_html(None))
        self._selection()
        self.print_button.setEnabled(True)
        self.save_button.setEnabled(True)

    @staticmethod
    def _summary(record: dict[str, Any]) -> str:
        active = active_hits(record)
        related = related_subjects(record)
        subject = active[0]["name"] if active else (record.get("name") or masked_query(record))
        # Warnings first, each its own sentence; then the result in one sentence.
        warnings = "".join(f"注意：{warning}" for warning in record.get("warnings") or [])
        parts = []
        if record["status"] == "listed":
            lists = sorted({h["list"] for h in active})
            parts.append(
                f"“{subject}”在 {len(lists)} 个名单中有 {len(active)} 条有效记录，"
                f"本部门应实施措施 {len(record['measures'])} 项"
            )
            if record.get("advice"):
                parts.append(record["advice"].rstrip("。"))
        elif record["status"] == "possible_match":
            parts.append(
                f"没有完全一致的记录，但有 {len(record['possible'])} 条相似记录，请逐条核实"
            )
        else:
            lists = len(record["data_versions"]["lists"])
            parts.append(f"经核查，“{subject}”未列入已导入的 {lists} 个名单")
        if related:
            parts.append(f"另有 {len(related)} 个关联单位（法定代表人同名，不计为命中）")
        parts.append(f"核查记录 {record['record_number']}，第 {record['version']} 版")
        return warnings + "；".join(parts) + "。"

    # -- measures and feedback -----------------------------------------------------------
    def _selection(self) -> None:
        self.detail.setHtml(measure_detail_html(self.measures.current_measure()))
        if self.record is None:
            return
        reason = (
            ""
            if self.editable
            else "这是较早的版本或他人的记录，不能在此登记反馈；请打开最新版本。"
        )
        if self.editable and not self.record["measures"]:
            reason = "本次核查没有需要本部门实施的措施。"
        usable = self.editable and bool(self.record["measures"])
        self.feedback.set_target(len(self.measures.selected_measures()), usable, reason)

    def _feedback_key(self, action: str) -> None:
        if self.feedback.isEnabled():
            self.feedback.choose(action)
            if action == "not_applicable":
                self.feedback.reason.setFocus()

    def give_feedback(self, choice: FeedbackChoice) -> None:
        """Register the chosen feedback for every selected measure (one new version)."""
        from desktop_app.services import records

        if self.record is None:
            return
        chosen = self.measures.selected_measures()
        items = [
            records.FeedbackInput(
                measure_id=measure["id"],
                action=choice.action,
                reason=choice.reason,
                note=choice.note,
            )
            for _, measure in chosen
        ]
        try:
            record = records.add_feedback(
                self.session.ctx, self.session.user, self.record["record_number"], items
            )
        except AppError as error:
            self.feedback.show_error(error.message)
            return
        positions = [position for position, _ in chosen]
        self.show_record(record, editable=True)
        self._reselect(positions)
        self.feedback.clear()
        self.record_changed.emit(record)

    def _reselect(self, positions: list[int]) -> None:
        selection = self.measures.selectionModel()
        for row in range(self.measures.filter.rowCount()):
            index = self.measures.filter.index(row, 0)
            if index.data(POSITION_ROLE) in positions:
                selection.select(
                    index,
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    def confirm_possible(self, hit_id: Any) -> None:
        """The clerk confirms a possible match: a new version with it among the hits."""
        from desktop_app.services import records

        self._decide_possible(records.confirm_possible_match, hit_id)

    def reject_possible(self, hit_id: Any) -> None:
        """The clerk rejects a possible match: a new version with it among the rejected."""
        from desktop_app.services import records

        self._decide_possible(
            records.reject_possible_match, hit_id, self.possible.reject_reason() or None
        )

    def _decide_possible(
        self, decide: Callable[..., dict[str, Any]], hit_id: Any, *extra: Any
    ) -> None:
        if self.record is None:
            return
        try:
            record = decide(
                self.session.ctx, self.session.user, self.record["record_number"], hit_id, *extra
            )
        except AppError as error:
            show_error(self, error)
            return
        self.show_record(record, editable=True)
        self.record_changed.emit(record)

    # -- printing ------------------------------------------------------------------------
    def print_record(self, save_only: bool) -> None:
        """Render and sign the record (off the GUI thread), then preview it or save it."""
        if self.record is None or not self.print_button.isEnabled():
            return
        record = self.record
        number, version = record["record_number"], record["version"]
        if self.printed and (self.printed["record_number"], self.printed["version"]) == (
            number,
            version,
        ):
            self._after_print(self.printed, save_only)
            return
        target = self.session.print_dir / f"{number}-v{version}.pdf"
        user = self.session.user

        def job(ctx: AppContext, progress: Any, cancelled: Any) -> dict[str, Any]:
            from desktop_app.services import records

            return records.print_record(ctx, user, number, target, version=version)

        self.print_button.setEnabled(False)
        self.save_button.setEnabled(False)
        self.banner.detail.setText(self.banner.detail.text() + "　正在生成并签名核查记录，请稍候")

        def done(printed: dict[str, Any]) -> None:
            self.print_button.setEnabled(True)
            self.save_button.setEnabled(True)
            if self.record is not record:
                return
            self.printed = printed
            self.banner.detail.setText(self._summary(record) + f"　已签名打印（{number}）。")
            self.record_changed.emit(record)
            self._after_print(printed, save_only)

        def failed(error: BaseException) -> None:
            self.print_button.setEnabled(True)
            self.save_button.setEnabled(True)
            self.banner.detail.setText(self._summary(record))
            show_error(self, error_text(error), "打印核查记录")

        self.tasks.start(job, done, failed)

    def _after_print(self, printed: dict[str, Any], save_only: bool) -> None:
        from desktop_app.ui.record_preview import RecordPreviewDialog, save_pdf_dialog

        if save_only:
            save_pdf_dialog(self, Path(printed["pdf"]), printed["record_number"])
            return
        self.preview = RecordPreviewDialog(
            Path(printed["pdf"]), printed["record_number"], printed["version"], self
        )
        self.preview.open()
