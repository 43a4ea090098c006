"""Bundle size and start-up time, frozen (PyInstaller bundle) next to running from source.

    .venv/bin/python packaging/build.py deb        # makes dist/xinyong-hechatai/ and the .deb
    .venv/bin/python bench/bench_startup.py [--runs 7]

Measures, for each way of running, the wall time of a NEW process (the files are in the page
cache after the first run; the first run is reported separately as the "first" time):
- to the self-test's catalog step: `selftest --steps catalog` (start, open the catalog, exit);
- to a ready window (offscreen): from source, `desktop_app.ui.app.main` with a zero-interval
  timer that ends the process as soon as its first window (setup, login or main window) is
  visible. The frozen GUI program has no such hook, so its window time is not measured.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop_app import __version__  # noqa: E402

BUNDLE = ROOT / "dist" / "xinyong-hechatai"
FROZEN_CLI = BUNDLE / "xinyong-hechatai"

WINDOW_SCRIPT = """
import os, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
def shown():
    # Timers also run inside a modal dialog's loop (first-start setup, login): the first
    # visible top-level window of any kind ends the measurement.
    if any(w.isVisible() for w in app.topLevelWidgets()):
        os._exit(0)
poll = QTimer()
poll.timeout.connect(shown)
poll.start(0)
from desktop_app.ui.app import main
main(["--data-dir", sys.argv[1]])
"""


def folder_size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if not p.is_dir())


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{command} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed


def series(command: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    first = timed(command, env)
    rest = [timed(command, env) for _ in range(runs)]
    return {
        "first_s": round(first, 3),
        "median_s": round(statistics.median(rest), 3),
        "max_s": round(max(rest), 3),
        "runs": runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    data = tempfile.mkdtemp(prefix="xyhc-bench-")
    results: dict[str, object] = {}
    catalog_step = ["--data-dir", data, "selftest", "--steps", "catalog", "--json"]
    results["source_catalog_step"] = series(
        [sys.executable, "-m", "desktop_app", *catalog_step], env, args.runs
    )
    if importlib.util.find_spec("desktop_app.ui.app") is not None:
        window = [sys.executable, "-c", WINDOW_SCRIPT, data]
        results["source_ready_window"] = series(window, env, args.runs)
    else:
        results["source_ready_window"] = "not measured: desktop_app/ui/app.py does not exist yet"
    if FROZEN_CLI.is_file():
        results["bundle_bytes"] = folder_size(BUNDLE)
        debs = sorted((ROOT / "dist").glob(f"xinyong-hechatai_{__version__}_*.deb"))
        if debs:
            results["deb_bytes"] = debs[0].stat().st_size
            results["deb"] = debs[0].name
        results["frozen_catalog_step"] = series([str(FROZEN_CLI), *catalog_step], env, args.runs)
    else:
        results["frozen"] = "no bundle: run packaging/build.py bundle first"
    json.dump(results, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
