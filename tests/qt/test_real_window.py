"""One real window: the app started as a process on a virtual X screen (xcb), photographed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

# CI installs them (.ci/run), so there a missing tool fails instead of skipping.
pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xwininfo")) and not os.environ.get("CI"),
    reason="needs Xvfb and xwininfo (packages xvfb and x11-utils)",
)

GRAB = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication([])
image = app.primaryScreen().grabWindow(0).toImage()
image.save(sys.argv[1])
w, h = image.width(), image.height()
colors = {image.pixel(x, y) for x in range(0, w, 7) for y in range(0, h, 7)}
print(len(colors))
"""


@pytest.fixture
def display(tmp_path):
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    yield f":{number}"
    server.terminate()
    server.wait(10)


def test_app_opens_a_real_window_on_the_default_preset(display, tmp_path):
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "HOME": str(tmp_path),  # fresh settings, no recovery file from elsewhere
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    app = subprocess.Popen(
        [sys.executable, "-m", "prototyper"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    shot = tmp_path / "screen.png"
    try:
        deadline = time.monotonic() + 60
        windows = ""
        colors = 0
        while time.monotonic() < deadline and app.poll() is None:
            windows = subprocess.run(
                ["xwininfo", "-root", "-tree", "-display", display],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout
            if "Prototyper" in windows:
                grab = subprocess.run(
                    [sys.executable, "-c", GRAB, str(shot)],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=30,
                )
                colors = int(grab.stdout.strip() or 0)
                if colors > 50:
                    break
            time.sleep(0.5)
        assert app.poll() is None, app.stdout.read()
        assert "Safe browsing" in windows and "Prototyper" in windows
        assert colors > 50, f"the screen looks blank ({colors} colours)"
        assert Path(shot).stat().st_size > 10_000
    finally:
        app.terminate()
        try:
            app.wait(10)
        except subprocess.TimeoutExpired:
            app.kill()
