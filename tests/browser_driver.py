"""Real-browser helpers for the tests: headless Chromium (Debian's chromium and chromium-driver)
through Selenium, and what the tests measure in a page: horizontal overflow, the fonts Chromium
drew the text with, and an axe-core accessibility audit.

`tools/setup.sh --test` installs all of it. Without it the browser tests skip, saying what is
missing, except in CI (the CI variable set), where they fail.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
AXE = TESTS / "browser" / "node_modules" / "axe-core" / "axe.min.js"
# The WCAG 2.1 levels A and AA, as axe-core tags its rules.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def missing() -> str | None:
    """What the browser tests lack on this machine (None: nothing)."""
    gaps = []
    if not shutil.which("chromium"):
        gaps.append("chromium (Debian package chromium)")
    if not shutil.which("chromedriver"):
        gaps.append("chromedriver (Debian package chromium-driver)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        gaps.append("selenium (PyPI)")
    if not AXE.is_file():
        gaps.append(f"axe-core ({AXE.relative_to(TESTS.parent)})")
    return f"no {', '.join(gaps)}: run tools/setup.sh --test" if gaps else None


def need_browser() -> None:
    """Skip when the browser or axe-core is missing; in CI, fail instead (CI must run these)."""
    reason = missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)


def start_chromium():
    """A headless Chromium that reaches nothing but the pages it is sent to."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="brief-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1",
                 "--lang=en-GB", f"--user-data-dir={profile}", "--window-size=1280,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
    driver.set_script_timeout(30)
    driver.set_page_load_timeout(30)
    driver.brief_profile = profile
    return driver


def quit_chromium(driver) -> None:
    try:
        driver.quit()
    finally:
        shutil.rmtree(getattr(driver, "brief_profile", ""), ignore_errors=True)


def set_viewport(driver, width: int, height: int = 900) -> None:
    """Lay the page out at `width` CSS pixels; below 600 as a phone does (the viewport meta counts)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def full_page_png(driver, path: Path) -> Path:
    """A screenshot of the whole page at the current width."""
    import base64

    height = driver.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                               "clip": {"x": 0, "y": 0, "scale": 1,
                                                                        "width": driver.execute_script("return document.documentElement.clientWidth"),
                                                                        "height": min(height, 16000)}})
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


# The elements that reach past the right edge of the viewport (each described by tag, class and
# the start of its text), and whether the page as a whole scrolls sideways.
_OVERFLOW_JS = """
const width = document.documentElement.clientWidth;  // the layout viewport (a phone zooms out past it)
const out = [];
const page = Math.max(document.documentElement.scrollWidth, window.innerWidth);
if (page > width) {
  out.push("the page is " + page + " px wide in a " + width + " px viewport");
}
for (const el of document.body.querySelectorAll("*")) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;
  if (r.right > width + 0.5 || r.left < -0.5) {
    let inScroller = false;
    for (let p = el.parentElement; p; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === "auto" || ox === "scroll" || ox === "hidden") { inScroller = true; break; }
    }
    if (!inScroller) {
      out.push(el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? "." + el.className : "")
               + " [" + Math.round(r.left) + ", " + Math.round(r.right) + "]: "
               + (el.textContent || "").trim().slice(0, 60));
    }
  }
}
return out;
"""


def horizontal_overflow(driver) -> list[str]:
    """What reaches past the viewport's right (or left) edge, outside a box that scrolls itself."""
    return driver.execute_script(_OVERFLOW_JS)


def text_characters(driver) -> set[str]:
    """Every character of the page's rendered text (the visible text, and the SVG text too)."""
    text = driver.execute_script(
        "return document.body.innerText + ' ' + Array.from(document.querySelectorAll('svg text'))"
        ".map(t => t.textContent).join(' ')")
    return {ch for ch in text if not ch.isspace()}


def platform_fonts(driver) -> dict[str, int]:
    """The fonts Chromium drew the page's text with: family name -> glyphs drawn (DevTools'
    CSS.getPlatformFontsForNode, for every element that holds text of its own)."""
    driver.execute_cdp_cmd("DOM.enable", {})
    driver.execute_cdp_cmd("CSS.enable", {})
    root = driver.execute_cdp_cmd("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
    holders: list[int] = []

    def walk(node) -> None:
        children = node.get("children", [])
        if node.get("nodeType") == 1 and node.get("nodeName") not in ("SCRIPT", "STYLE", "HEAD", "TITLE") and any(
                c.get("nodeType") == 3 and c.get("nodeValue", "").strip() for c in children):
            holders.append(node["nodeId"])
        for c in children:
            walk(c)
        if node.get("contentDocument"):
            walk(node["contentDocument"])

    walk(root)
    used: dict[str, int] = {}
    for node_id in holders:
        for font in driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]:
            used[font["familyName"]] = used.get(font["familyName"], 0) + font["glyphCount"]
    return used


def axe_violations(driver, tags=WCAG_21_AA) -> list[dict]:
    """Run axe-core in the page (injected from tests/browser/node_modules) on the given rule tags."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(r.violations), e => done([{id: 'axe-error', help: String(e), nodes: []}]));", tags)
    return result


def describe(violations: list[dict]) -> str:
    """axe-core's violations as lines a person can act on."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v.get('impact')}): {v['help']}")
        for node in v.get("nodes", [])[:5]:
            summary = " ".join(line.strip() for line in node.get("failureSummary", "").splitlines()[1:])
            lines.append(f"    {', '.join(map(str, node.get('target', [])))}: {summary}")
    return "\n".join(lines)


def wait_until(check, timeout: float, interval: float = 0.05):
    """Poll `check()` until it returns something true; return it, or None at the timeout."""
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() >= end:
            return value
        time.sleep(interval)


class Served:
    """`brief serve` in a subprocess of its own session (so that a test can send it Ctrl-C as a
    terminal does, to its whole process group), with its output read line by line."""

    def __init__(self, project: Path, *args: str):
        import queue
        import subprocess
        import sys
        import threading

        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "brief", "--project", str(project), "serve", "--port", "0",
                                      *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     encoding="utf-8", env=env, start_new_session=True)
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._q: queue.Queue = queue.Queue()
        self._readers = [threading.Thread(target=lambda: [self._q.put(line) for line in self.proc.stdout], daemon=True),
                         threading.Thread(target=lambda: [self.errors.append(line) for line in self.proc.stderr],
                                          daemon=True)]
        for t in self._readers:
            t.start()
        self.url = self.wait_for(r"^serving (http://\S+/)").split()[1]

    def wait_for(self, pattern: str, timeout: float = 60) -> str:
        """The next output line matching `pattern` (a guard against hanging, not a speed test)."""
        import queue
        import re

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self._q.get(timeout=max(0.05, end - time.monotonic()))
            except queue.Empty:
                break
            self.lines.append(line)
            if re.search(pattern, line):
                return line.rstrip("\n")
        raise AssertionError(f"no line matching {pattern!r} from brief serve; got {self.lines}, stderr {self.errors}")

    def said(self) -> list[str]:
        """Every line it has printed so far."""
        while not self._q.empty():
            self.lines.append(self._q.get())
        return self.lines

    def interrupt(self, timeout: float = 20) -> int:
        """Ctrl-C, as a terminal sends it (to the process group); the exit code."""
        import signal

        os.killpg(self.proc.pid, signal.SIGINT)
        code = self.proc.wait(timeout=timeout)
        for t in self._readers:
            t.join(timeout=5)
        self.said()
        return code

    def close(self) -> None:
        """Stop it if it still runs: Ctrl-C (so that it removes its temporary directory), else a kill."""
        import signal
        import subprocess

        if self.proc.poll() is None:
            try:
                self.interrupt(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
