"""Starting the window on X11 without the libraries of Qt's xcb plugin: one line naming the Debian packages and
exit 2, before Qt starts (Qt itself would abort the process with rc 134)."""

from __future__ import annotations

import sys

import pytest

from inspector.ui import system_libs

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt uses xcb on Linux only")

LDD = """\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f2f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibX11-xcb.so.1 => not found
"""


def test_missing_libraries_become_debian_packages():
    assert system_libs.missing_libraries(LDD) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1",
                                                  "libxkbcommon-x11.so.0", "libX11-xcb.so.1"]
    assert [system_libs.debian_package(lib) for lib in system_libs.missing_libraries(LDD)] == [
        "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0", "libx11-xcb1"]
    assert system_libs.debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert system_libs.debian_package("libxcb.so.1") == "libxcb1"


@linux_only
@pytest.mark.parametrize(("env", "checked"), [
    ({"DISPLAY": ":0"}, True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
    ({"QT_QPA_PLATFORM": "xcb"}, False),  # no display: Qt fails on its own terms, nothing to check
    ({}, False),
])
def test_only_an_xcb_start_is_checked(env, checked):
    asked = []
    system_libs.check_xcb(env, ldd=lambda path: asked.append(path) or "")
    assert bool(asked) is checked


@linux_only
def test_the_launcher_names_the_packages_and_exits_2(monkeypatch, capsys):
    from inspector import cli
    from inspector.ui import app

    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(system_libs, "run_ldd", lambda path: LDD)
    monkeypatch.setattr(app, "run", lambda *a, **k: pytest.fail("Qt was started although its plugin cannot load"))
    assert cli.main(["gui"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libx11-xcb1" in err


@linux_only
def test_the_plugin_pyside6_ships_is_found():
    assert any(p.name == "libqxcb.so" for p in system_libs.plugin_files())
