"""Before Qt starts on X11: are the system libraries of Qt's xcb platform plugin installed?

Without them Qt aborts the process (rc 134) with "Could not load the Qt platform plugin xcb", naming at best one
of the missing libraries. This module asks the dynamic linker (`ldd`) about the plugin that PySide6 ships, turns
each missing library into the Debian package that provides it, and says so in one line. It imports no Qt.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from inspector.errors import InspectorError

# What Debian calls the libraries whose names do not follow its rule (see debian_package)
PACKAGES = {
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libGLdispatch.so.0": "libglvnd0",
}
# Qt's xcb plugin and the library behind it, inside the PySide6 package
PLUGIN_FILES = ("Qt/plugins/platforms/libqxcb.so", "Qt/lib/libQt6XcbQpa.so.6")


def debian_package(soname: str) -> str:
    """Debian names a library's package after its soname: libxcb-icccm.so.4 -> libxcb-icccm4, and with a hyphen
    when the name ends in a digit: libxkbcommon-x11.so.0 -> libxkbcommon-x11-0."""
    if soname in PACKAGES:
        return PACKAGES[soname]
    match = re.fullmatch(r"(lib.+?)\.so\.(\d+)(?:\.\d+)*", soname)
    if match is None:
        return soname
    base, version = match.group(1).lower(), match.group(2)
    return f"{base}-{version}" if base[-1].isdigit() else f"{base}{version}"


def missing_libraries(ldd_output: str) -> list[str]:
    """The sonames `ldd` could not resolve, in its order, each once."""
    found = re.findall(r"^\s*(\S+)\s+=>\s+not found", ldd_output, flags=re.MULTILINE)
    return list(dict.fromkeys(found))


def uses_xcb(env: Mapping[str, str]) -> bool:
    """Qt picks xcb on Linux when a display is set and no other platform is asked for."""
    platform = env.get("QT_QPA_PLATFORM", "")
    return sys.platform.startswith("linux") and bool(env.get("DISPLAY")) and platform.split(":")[0] in ("", "xcb")


def plugin_files() -> list[Path]:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations)))
    return [root / rel for rel in PLUGIN_FILES if (root / rel).exists()]


def run_ldd(path: Path) -> str:
    ldd = shutil.which("ldd")
    if ldd is None:
        return ""  # cannot tell: let Qt try
    result = subprocess.run([ldd, str(path)], capture_output=True, text=True, timeout=30, check=False)
    return result.stdout


def check_xcb(env: Mapping[str, str] | None = None, ldd: Callable[[Path], str] | None = None) -> None:
    """Raise a one-line InspectorError naming the Debian packages to install when Qt's xcb plugin would not load."""
    env = os.environ if env is None else env
    ldd = ldd or run_ldd
    if not uses_xcb(env):
        return
    missing: list[str] = []
    for path in plugin_files():
        missing += [lib for lib in missing_libraries(ldd(path)) if lib not in missing]
    if not missing:
        return
    packages = " ".join(dict.fromkeys(debian_package(lib) for lib in missing))
    raise InspectorError(f"the window cannot start: Qt's X11 (xcb) platform plugin needs {', '.join(missing)}; "
                         f"install them with `sudo apt-get install {packages}` (or run without a window: "
                         "QT_QPA_PLATFORM=offscreen)")
