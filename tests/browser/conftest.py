"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, the site served by
waitress in a process of its own, axe-core on every page, a screenshot of each journey's end.

Chromium is `/usr/bin/chromium` (Debian's package; `scripts/browser-deps` installs it); Playwright
never downloads a browser of its own here. Without Chromium the browser tests are skipped,
saying how to install it, except under CI (`CI` set and not false), where they fail instead:
CI must never pass by skipping them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from browsing import CHROMIUM, DESKTOP, PHONE, Check, Shoot, Site, Viewport, require_chromium
from playwright.sync_api import Browser, Page, sync_playwright
from site_clock import CLOCK_FILE

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOTS = ROOT / "test-output" / "screenshots"

# No network, no background services, no first-run pages: the machines have no internet, and
# a test must not wait on a request that can never be answered.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# axe-core's impacts that fail a page; "moderate" and "minor" ones are printed, not failed.
FAILING_IMPACTS = frozenset({"serious", "critical"})


def pytest_configure(config: pytest.Config) -> None:
    """Register the `browser` mark, so `-m "not browser"` leaves these tests out."""
    config.addinivalue_line("markers", "browser: drives a real Chromium (tests/browser)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, with a fresh temporary profile, for the whole session."""
    require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _wait_for_line(log: Path, process: subprocess.Popen[bytes], errors: Path) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        if text.endswith("\n"):
            return text.splitlines()[0]
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    pytest.fail(
        "the site for the browser tests did not start (tests/browser/site_server.py):\n"
        + (errors.read_text() if errors.exists() else "(no output)")
    )


@pytest.fixture(scope="session")
def site(browser: Browser) -> Iterator[Site]:
    """The site, served by waitress from a fresh SQLite database in a process of its own."""
    data = Path(tempfile.mkdtemp(prefix="sovet-browser-"))
    out, err = data / "server.out", data / "server.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-u", str(HERE / "site_server.py"), str(data)],
            cwd=ROOT,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        _serving, url, head, acts, journal = _wait_for_line(out, process, err).split()
        yield Site(url, "bakers", "Bakers' council", head, int(acts), journal,
                   clock=data / CLOCK_FILE)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(params=[PHONE, DESKTOP], ids=lambda v: v.name)
def viewport(request: pytest.FixtureRequest) -> Viewport:
    """Each journey runs on a phone (360×740) and on a desktop screen."""
    v: Viewport = request.param
    return v


@pytest.fixture
def page(browser: Browser, site: Site, viewport: Viewport) -> Iterator[Page]:
    """A fresh page (its own cookies and storage) on the site, at the viewport's size."""
    context = browser.new_context(
        base_url=site.url,
        viewport=viewport.size,
        is_mobile=viewport.mobile,
        has_touch=viewport.mobile,
        device_scale_factor=2 if viewport.mobile else 1,
        accept_downloads=True,
        locale="en-GB",
        timezone_id="UTC",
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def _describe(violation: dict[str, Any]) -> str:
    lines = [
        f"  [{violation['impact']}] {violation['id']}: {violation['help']}",
        f"    rule: {violation['helpUrl']}",
    ]
    for node in violation["nodes"]:
        target = " ".join(str(t) for t in node["target"])
        lines.append(f"    at {target}: {node['html']}")
        summary = (node.get("failureSummary") or "").strip().replace("\n", "\n      ")
        if summary:
            lines.append(f"      {summary}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe() -> Axe:
    """axe-core as shipped by axe-playwright-python."""
    return Axe()


@pytest.fixture
def assert_accessible(axe: Axe) -> Check:
    """Check the page with axe-core: fail on any serious or critical violation, and print
    every violation (the lesser ones too) readably, naming the page it was found on."""

    def check(page: Page, where: str) -> None:
        page.wait_for_load_state("load")
        found: list[dict[str, Any]] = axe.run(page).response["violations"]
        if found:
            print(f"axe-core on {where} ({page.url}):")
            print("\n".join(_describe(v) for v in found))
        failing = [v for v in found if v["impact"] in FAILING_IMPACTS]
        if failing:
            pytest.fail(
                f"axe-core found {len(failing)} serious or critical accessibility violations "
                f"on {where} ({page.url}):\n" + "\n".join(_describe(v) for v in failing),
                pytrace=False,
            )

    return check


_SHOTS = pytest.StashKey[list[Path]]()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest, viewport: Viewport) -> Shoot:
    """Save a full-page screenshot as test-output/screenshots/NAME-VIEWPORT.png; name it."""

    def shoot(page: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{viewport.name}.png"
        page.screenshot(path=str(path), full_page=True)
        shown = path.relative_to(ROOT)
        print(f"screenshot: {shown}")
        request.config.stash.setdefault(_SHOTS, []).append(shown)
        return path

    return shoot


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Name the screenshots the journeys saved, after the test run."""
    shots = config.stash.get(_SHOTS, [])
    if shots:
        terminalreporter.section("browser screenshots")
        for path in shots:
            terminalreporter.write_line(str(path))
