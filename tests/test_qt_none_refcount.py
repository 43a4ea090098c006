"""PySide6 6.12.0 on Python 3.11 drops a reference to None on every void Qt call and aborts the
interpreter after a few thousand calls (`Fatal Python error: none_dealloc`). Run such a loop in
a subprocess so that an upgrade cannot bring the crash back unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys

LOOP = """
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
for i in range(60_000):
    label.setText(str(i))
    label.resize(10 + i % 7, 10)
print("survived")
"""


def test_void_qt_calls_do_not_exhaust_none() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", LOOP], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "survived" in result.stdout
