"""The signed check record in the window: preview, print through the system dialog, save.

Pages are rendered with pypdfium2 (small, no Qt PDF module needed) into pixmaps. Printing
draws each page, rendered at up to 300 dpi, onto a `QPrinter` chosen in `QPrintDialog`;
saving copies the signed file byte for byte, so the saved copy verifies like the original.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui import theme
from desktop_app.ui.widgets import show_error

PRINT_DPI = 300
PREVIEW_SCALE = 1.3


def render_pages(pdf: Path | bytes, scale: float) -> list[QImage]:
    """Every page of a PDF as an image (`scale` pixels per PDF point)."""
    import pypdfium2

    from desktop_app.services.records.pdf_content import PDFIUM

    with PDFIUM:  # pdfium is not thread-safe (see there)
        document = pypdfium2.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
        try:
            images = []
            for page in document:
                bitmap = page.render(scale=scale, rev_byteorder=True, prefer_bgrx=True)
                image = QImage(
                    bytes(bitmap.buffer),
                    bitmap.width,
                    bitmap.height,
                    bitmap.stride,
                    QImage.Format.Format_RGBX8888,
                )
                images.append(image.copy())  # own the pixels: the buffer goes with the bitmap
                bitmap.close()
                page.close()
            return images
        finally:
            document.close()


def print_pdf(pdf: Path, printer: object) -> int:
    """Draw every page of `pdf` on `printer` (a QPrinter), fitted to its page; returns pages."""
    resolution = min(printer.resolution(), PRINT_DPI)  # type: ignore[attr-defined]
    images = render_pages(pdf, resolution / 72)
    painter = QPainter()
    if not painter.begin(printer):  # type: ignore[arg-type]
        raise OSError("打印机无法开始打印")
    try:
        for number, image in enumerate(images):
            if number:
                printer.newPage()  # type: ignore[attr-defined]
            area = painter.viewport()
            size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(area.x(), area.y(), size.width(), size.height())
            painter.drawImage(target, image)
    finally:
        painter.end()
    return len(images)


class RecordPreviewDialog(QDialog):
    """Shows a signed record; 打印 (Ctrl+P), 另存为 (Ctrl+S), 关闭 (Esc)."""

    def __init__(
        self, pdf: Path, record_number: str, version: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.pdf = pdf
        self.record_number = record_number
        self.saved_to: Path | None = None
        self.setWindowTitle(f"核查记录 {record_number}（第 {version} 版）")
        heading = QLabel(
            f"核查记录编号：<b>{record_number}</b>　第 {version} 版　已用本部门证书签名"
        )
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        pages = QWidget()
        column = QVBoxLayout(pages)
        column.setSpacing(16)
        self.page_labels: list[QLabel] = []
        for image in render_pages(pdf, PREVIEW_SCALE):
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(image))
            label.setStyleSheet(f"border: 1px solid {theme.LINE}; background: white;")
            column.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
            self.page_labels.append(label)
        scroll = QScrollArea()
        scroll.setWidget(pages)
        scroll.setWidgetResizable(True)
        scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.print_button = QPushButton("打印(&P)… Ctrl+P")
        self.print_button.setProperty("primary", True)
        self.save_button = QPushButton("另存为(&S)… Ctrl+S")
        close_button = QPushButton("关闭 Esc")
        self.print_button.clicked.connect(self.print_dialog)
        self.save_button.clicked.connect(self.save_dialog)
        close_button.clicked.connect(self.accept)
        QShortcut(QKeySequence.StandardKey.Print, self, self.print_dialog)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_dialog)
        buttons = QHBoxLayout()
        buttons.addWidget(heading, 1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(scroll, 1)
        self.page_count = len(self.page_labels)
        self.resize(980, 700)

    def print_dialog(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.record_number)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印核查记录")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            print_pdf(self.pdf, printer)
        except OSError as error:
            show_error(self, f"打印失败：{error}。请检查打印机后重试，或先另存为 PDF。")

    def save_dialog(self) -> None:
        self.saved_to = save_pdf_dialog(self, self.pdf, self.record_number) or self.saved_to


def save_pdf_dialog(parent: QWidget, pdf: Path, record_number: str) -> Path | None:
    """Ask where to save the signed record and copy it there; the path, or None."""
    suggested = str(Path.home() / f"{record_number}.pdf")
    target, _ = QFileDialog.getSaveFileName(parent, "保存核查记录", suggested, "PDF 文件 (*.pdf)")
    if not target:
        return None
    return save_pdf(parent, pdf, Path(target))


def save_pdf(parent: QWidget, pdf: Path, target: Path) -> Path | None:
    """Copy the signed PDF unchanged (a changed byte would break the signature)."""
    if target.suffix.lower() != ".pdf":
        target = target.with_name(target.name + ".pdf")
    try:
        shutil.copyfile(pdf, target)
    except OSError as error:
        show_error(parent, f"无法保存到“{target}”：{error.strerror or error}。请换一个位置。")
        return None
    return target
