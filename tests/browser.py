"""Open a page in headless Chromium and record what it did, with the standard library only:
the DevTools protocol over ``--remote-debugging-pipe`` (JSON messages ended by NUL, commands
on the browser's fd 3, answers and events on its fd 4).

It records every request the page tried (even one a Content-Security-Policy then blocked),
console errors, uncaught exceptions and errors the browser logged (a CSP violation is one),
and a screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 60.0  # seconds for one answer: a slow, loaded machine, never a measurement


def chromium() -> str | None:
    return next((p for p in map(shutil.which, NAMES) if p), None)


@dataclass
class PageVisit:
    requests: list[str] = field(default_factory=list)  # URLs the page asked for, its own aside
    errors: list[str] = field(default_factory=list)  # console and log errors, exceptions
    screenshot: bytes = b""  # PNG


class _Pipe:
    def __init__(self, proc: subprocess.Popen, to_browser: int, from_browser: int) -> None:
        self.proc, self.out, self.inp = proc, to_browser, from_browser
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.out, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.receive(TIMEOUT)
            if reply is None:
                raise TimeoutError(f"no answer to {method}")
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def receive(self, timeout: float) -> dict | None:
        end = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.inp], [], [], left)[0]:
                return None
            chunk = os.read(self.inp, 1 << 16)
            if not chunk:
                raise RuntimeError("the browser closed the pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method: str) -> None:
        if any(e.get("method") == method for e in self.events):
            return
        while True:
            event = self.receive(TIMEOUT)
            if event is None:
                raise TimeoutError(f"no {method}")
            self.events.append(event)
            if event.get("method") == method:
                return

    def drain(self, quiet: float = 0.5) -> None:
        """Keep the events that arrive until none has for ``quiet`` seconds."""
        while (event := self.receive(quiet)) is not None:
            self.events.append(event)


def visit(page: Path, profile: Path, size: tuple[int, int] = (1280, 2000)) -> PageVisit:
    """Open ``page`` (a file) in a fresh headless Chromium whose profile is ``profile``."""
    binary = chromium()
    if binary is None:
        raise FileNotFoundError("no chromium")
    to_read, to_browser = os.pipe()  # the browser reads its commands on fd 3
    from_browser, to_write = os.pipe()  # and writes on fd 4

    def fds() -> None:
        # Through fresh numbers first: dup2 of a descriptor onto itself would keep its
        # close-on-exec flag, and os.pipe may well have returned 3 or 4.
        read, write = os.dup(to_read), os.dup(to_write)
        os.dup2(read, 3)
        os.dup2(write, 4)

    args = [
        binary,
        "--headless",
        "--no-sandbox",  # as root in a container
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",  # the browser's own traffic is not the page's
        "--remote-debugging-pipe",
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
        "about:blank",
    ]
    # Whatever the browser writes goes into the profile folder, never the real home.
    env = {**os.environ, "HOME": str(profile)}
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        env[name] = str(profile / name.lower())
    proc = subprocess.Popen(
        args,
        preexec_fn=fds,  # noqa: PLW1509 - a test, no threads that matter
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=None if os.environ.get("BROWSER_DEBUG") else subprocess.DEVNULL,
        env=env,
        close_fds=False,
    )
    os.close(to_read)
    os.close(to_write)
    pipe = _Pipe(proc, to_browser, from_browser)
    try:
        target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Network", "Log", "Runtime", "Page"):
            pipe.send(f"{domain}.enable", session=session)
        pipe.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        url = page.resolve().as_uri()
        pipe.send("Page.navigate", {"url": url}, session=session)
        pipe.wait_for("Page.loadEventFired")
        pipe.drain()
        shot = pipe.send("Page.captureScreenshot", {"format": "png"}, session=session)
        pipe.drain(0.2)
        try:
            pipe.send("Browser.close")
        except (RuntimeError, TimeoutError):
            pass  # the browser may be gone already; the process is ended below either way
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(to_browser)
        os.close(from_browser)
    result = PageVisit(screenshot=base64.b64decode(shot["data"]))
    for event in pipe.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            asked = params["request"]["url"]
            if asked != url:
                result.requests.append(asked)
        elif method == "Network.loadingFailed" and params.get("blockedReason"):
            result.errors.append(f"blocked ({params['blockedReason']}): {params.get('requestId')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            result.errors.append(f"console: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            result.errors.append(f"exception: {params.get('exceptionDetails')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            result.errors.append(f"log: {params['entry'].get('text')}")
    return result
