"""Build 信用核查台 for office PCs: `python packaging/build.py bundle|deb|windows`.

    bundle   PyInstaller one-folder bundle in dist/xinyong-hechatai/ (both programs)
    deb      the bundle packed as dist/xinyong-hechatai_<version>_<arch>.deb with dpkg-deb
             (Debian, UOS, Kylin); installs under /opt/xinyong-hechatai
    windows  the bundle plus dist/xinyong-hechatai-<version>-setup.exe made by Inno Setup's
             ISCC from packaging/windows/installer.iss (run this on Windows)

The version is `desktop_app.__version__`; `--version` overrides it for a test build only (the
upgrade test installs the same bundle twice under two versions). `--reuse-bundle` packs an
existing dist/xinyong-hechatai/ without running PyInstaller again.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
DIST = ROOT / "dist"
WORK = ROOT / "build"
sys.path.insert(0, str(ROOT))

from desktop_app import APP_ID, APP_NAME, __version__  # noqa: E402

BUNDLE = DIST / APP_ID
INSTALL_DIR = f"/opt/{APP_ID}"
# What the bundle needs from the system (PyInstaller leaves out the C library, the GL/EGL
# drivers and the X client libraries, which must match the machine); `ldd` over the bundle
# lists them. Package names are Debian 12's and exist with the same names on UOS and Kylin.
DEB_DEPENDS = [
    "libc6 (>= 2.31)",
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libfreetype6",
    "libglib2.0-0",
    "libxkbcommon0",
    "libdbus-1-3",
]
# Only for the window on an X11 desktop (the xcb platform plugin); the CLI and the offscreen
# self-test run without them.
DEB_RECOMMENDS = [
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xkb1",
    "libxkbcommon-x11-0",
]


def run(command: list[str], **kwargs) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def build_bundle() -> Path:
    """Run PyInstaller on the spec; returns dist/xinyong-hechatai/."""
    run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--distpath",
            str(DIST),
            "--workpath",
            str(WORK / "pyinstaller"),
            str(PACKAGING / "xinyong-hechatai.spec"),
        ],
        cwd=ROOT,
    )
    return BUNDLE


def deb_architecture() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], check=True, capture_output=True, text=True
    ).stdout.strip()


def build_deb(version: str) -> Path:
    """Pack the bundle into a .deb; returns its path in dist/."""
    if not (BUNDLE / APP_ID).is_file():
        raise SystemExit(f"{BUNDLE} has no bundle: run `build.py bundle` first")
    arch = deb_architecture()
    stage = WORK / "deb" / f"{APP_ID}_{version}_{arch}"
    if stage.exists():
        shutil.rmtree(stage)
    opt = stage / INSTALL_DIR.lstrip("/")
    shutil.copytree(BUNDLE, opt, symlinks=True)

    bin_dir = stage / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    for program in (APP_ID, f"{APP_ID}-gui"):
        (bin_dir / program).symlink_to(f"{INSTALL_DIR}/{program}")

    share = stage / "usr" / "share"
    _copy(PACKAGING / "linux" / f"{APP_ID}.desktop", share / "applications" / f"{APP_ID}.desktop")
    icons = PACKAGING / "icons"
    _copy(icons / f"{APP_ID}.png", share / "icons/hicolor/256x256/apps" / f"{APP_ID}.png")
    _copy(icons / f"{APP_ID}.svg", share / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg")
    fonts = ROOT / "resources" / "fonts"
    _copy(fonts / "DroidSansFallbackFull.LICENSE.txt", share / "doc" / APP_ID / "copyright")
    _copy(PACKAGING / "config.example.toml", stage / "etc" / APP_ID / "config.toml")

    debian = stage / "DEBIAN"
    debian.mkdir()
    for script in ("postinst", "prerm", "postrm"):
        _copy(PACKAGING / "linux" / script, debian / script, mode=0o755)
    (debian / "conffiles").write_text(f"/etc/{APP_ID}/config.toml\n", encoding="utf-8")
    (debian / "md5sums").write_text(_md5sums(stage), encoding="utf-8")
    installed_kb = sum(p.lstat().st_size for p in stage.rglob("*") if not p.is_dir()) // 1024
    control = {
        "Package": APP_ID,
        "Version": version,
        "Architecture": arch,
        "Maintainer": "信用核查台维护组 <it@localhost>",
        "Installed-Size": str(installed_kb),
        "Depends": ", ".join(DEB_DEPENDS),
        "Recommends": ", ".join(DEB_RECOMMENDS),
        "Section": "misc",
        "Priority": "optional",
        "Description": (
            f"{APP_NAME}: offline checks against joint punishment measures\n"
            " 失信联合惩戒离线核查：核查主体是否列入失信名单，列出本部门应实施的惩戒措施及依据，\n"
            " 打印带数字签名的核查记录。Installs under /opt/xinyong-hechatai; user data is\n"
            " never removed by upgrade, removal or purge."
        ),
    }
    text = "".join(f"{key}: {value}\n" for key, value in control.items())
    (debian / "control").write_text(text, encoding="utf-8")

    DIST.mkdir(exist_ok=True)
    out = DIST / f"{APP_ID}_{version}_{arch}.deb"
    run(["dpkg-deb", "--root-owner-group", "-Zxz", "-z6", "--build", str(stage), str(out)])
    return out


def _copy(source: Path, target: Path, mode: int = 0o644) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    os.chmod(target, mode)


def _md5sums(stage: Path) -> str:
    lines = []
    for path in sorted(stage.rglob("*")):
        relative = path.relative_to(stage)
        if path.is_symlink() or not path.is_file() or relative.parts[0] == "DEBIAN":
            continue
        lines.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {relative.as_posix()}\n")
    return "".join(lines)


def find_iscc() -> str:
    """Inno Setup's command-line compiler: on PATH, or where its installer puts it."""
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    # os.environ's keys are upper-case on Windows.
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
        if base and (Path(base) / "Inno Setup 6" / "ISCC.exe").is_file():
            return str(Path(base) / "Inno Setup 6" / "ISCC.exe")
    raise SystemExit("Inno Setup 6 (ISCC.exe) not found: install it from jrsoftware.org")


def build_windows(version: str) -> Path:
    """Run Inno Setup over the bundle; returns the installer in dist/."""
    if sys.platform != "win32":
        raise SystemExit("build the Windows installer on Windows (PyInstaller cannot cross-build)")
    run(
        [
            find_iscc(),
            f"/DAppVersion={version}",
            f"/DBundleDir={BUNDLE}",
            f"/DOutputDir={DIST}",
            f"/DRepoRoot={ROOT}",
            str(PACKAGING / "windows" / "installer.iss"),
        ]
    )
    return DIST / f"{APP_ID}-{version}-setup.exe"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=["bundle", "deb", "windows"])
    parser.add_argument("--version", default=__version__, help="test builds only")
    parser.add_argument("--reuse-bundle", action="store_true", help="skip PyInstaller")
    args = parser.parse_args(argv)
    if not args.reuse_bundle:
        build_bundle()
    if args.target == "deb":
        print(build_deb(args.version))
    elif args.target == "windows":
        print(build_windows(args.version))
    else:
        print(BUNDLE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
