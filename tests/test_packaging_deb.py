"""The .deb end to end: build → install → self-test → upgrade keeps data → remove → purge.

Slow (PyInstaller, ~2–3 min) and it installs into the real system, so it runs only as root
with dpkg available, in CI's slow step (`pytest -m slow`). With PostgreSQL at hand the
installed program also works with an office database on a server (the bundle has psycopg).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pg_cluster import find_bindir

from desktop_app import APP_ID, __version__

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = Path("/usr/bin") / APP_ID

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        sys.platform != "linux" or os.geteuid() != 0 or not shutil.which("dpkg-deb"),
        reason="installs a .deb: needs Linux, root and dpkg",
    ),
]


def sh(*command: str | Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert done.returncode == 0, f"{command}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def installed_version() -> str | None:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status} ${Version}", APP_ID], capture_output=True, text=True
    )
    if done.returncode != 0 or "installed" not in done.stdout.split(" ")[:3]:
        return None
    return done.stdout.split()[-1]


def selftest(env: dict[str, str], *args: str) -> dict:
    done = subprocess.run(
        [str(PROGRAM), *args, "selftest", "--json"], capture_output=True, text=True, env=env
    )
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["ok"], done.stdout + done.stderr
    return report


@pytest.fixture
def clean_system():
    """No copy installed before, none left after (even when the test fails)."""
    if installed_version() is not None:
        pytest.skip(f"{APP_ID} is already installed on this machine; not touching it")
    yield
    subprocess.run(["dpkg", "--purge", APP_ID], capture_output=True)


def _frozen_program_on_a_database_server(url: str, env: dict[str, str], tmp_path: Path) -> None:
    """The bundle carries psycopg and its libpq: the installed program sets up a schema on
    the server, stores an account there and checks its connection in selftest."""
    sh(PROGRAM, "office", "migrate", "--to", url, env=env)
    config = tmp_path / "server.toml"
    config.write_text(f"database_url = {json.dumps(url)}\n", "utf-8")
    server_env = {**env, "XYHC_CONFIG": str(config)}
    done = subprocess.run(
        [str(PROGRAM), "users", "init-admin", "admin", "--jurisdiction", "柳州市",
         "--password-stdin"],
        input="admin-pass-1\n", capture_output=True, text=True, env=server_env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    office = selftest_step(server_env, "office")
    # The test server's superuser works, and selftest says it should not be the program's role.
    assert not office["ok"] and "是超级用户" in office["detail"], office


def selftest_step(env: dict[str, str], step: str) -> dict:
    done = subprocess.run(
        [str(PROGRAM), "selftest", "--steps", step, "--json"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    return json.loads(done.stdout)["steps"][0]


def test_deb_install_selftest_upgrade_remove_purge(tmp_path, clean_system, request) -> None:
    arch = sh("dpkg", "--print-architecture").strip()
    sh(sys.executable, "packaging/build.py", "deb")
    first = ROOT / "dist" / f"{APP_ID}_{__version__}_{arch}.deb"
    assert first.is_file()

    sh("dpkg", "-i", first)
    assert installed_version() == __version__
    assert PROGRAM.resolve() == Path(f"/opt/{APP_ID}/{APP_ID}")
    entry = Path(f"/usr/share/applications/{APP_ID}.desktop").read_text(encoding="utf-8")
    assert "Name=信用核查台" in entry and f"Exec=/opt/{APP_ID}/{APP_ID}-gui" in entry
    assert Path(f"/usr/share/icons/hicolor/256x256/apps/{APP_ID}.png").is_file()

    # The installed program, frozen, offscreen, its data folder named by the machine config.
    data = tmp_path / "数据"
    config = Path(f"/etc/{APP_ID}/config.toml")
    config.write_text(f"data_dir = {json.dumps(str(data), ensure_ascii=False)}\n", "utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "QT_QPA_PLATFORM": "offscreen",
        "LANG": "C.UTF-8",
    }
    report = selftest(env)
    assert report["frozen"] is True
    assert report["data_dir"] == str(data)
    assert {step["step"] for step in report["steps"]} >= {"catalog", "sign", "verify", "office"}
    if os.environ.get("XYHC_TEST_PG_URL") or find_bindir() is not None:
        _frozen_program_on_a_database_server(request.getfixturevalue("pg_schema"), env, tmp_path)

    # User data that an upgrade must keep: a backup made by the installed program itself,
    # plus the folder it backed up.
    data.mkdir(parents=True, exist_ok=True)  # selftest leaves no folder behind
    (data / "lists.db").write_bytes(b"")
    (data / "保留.txt").write_text("用户数据", encoding="utf-8")
    sh(PROGRAM, "backup", "create", tmp_path / "before.xyhcbak", env=env)

    upgrade_version = f"{__version__}+upgradetest1"
    sh(sys.executable, "packaging/build.py", "deb", "--reuse-bundle", "--version", upgrade_version)
    upgrade = ROOT / "dist" / f"{APP_ID}_{upgrade_version}_{arch}.deb"
    sh("dpkg", "-i", upgrade)
    upgrade.unlink()  # a test build: never to be mistaken for a release
    assert installed_version() == upgrade_version
    assert (data / "保留.txt").read_text(encoding="utf-8") == "用户数据"
    assert str(data) in config.read_text("utf-8")  # IT's edited conffile survives the upgrade
    selftest(env)

    sh("dpkg", "--remove", APP_ID)
    assert not PROGRAM.exists() and not Path(f"/opt/{APP_ID}/{APP_ID}").exists()
    assert (data / "保留.txt").is_file() and config.is_file()
    sh("dpkg", "--purge", APP_ID)
    assert not config.exists()
    assert (data / "保留.txt").read_text(encoding="utf-8") == "用户数据"  # never user data
    assert (tmp_path / "before.xyhcbak").is_file()
