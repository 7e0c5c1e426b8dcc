"""The browser tests' shared words: the screens the journeys run on, the site they drive,
and the shapes of the checks the fixtures hand them."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")

# A check that fails the test when axe-core finds a serious or critical violation on a page.
Check = Callable[[Page, str], None]
# Saves a screenshot of a page under a name; returns where.
Shoot = Callable[[Page, str], Path]


@dataclass(frozen=True)
class Viewport:
    """A screen the journeys are run on."""

    name: str
    size: ViewportSize
    mobile: bool


PHONE = Viewport("phone", {"width": 360, "height": 740}, mobile=True)
DESKTOP = Viewport("desktop", {"width": 1280, "height": 800}, mobile=False)


@dataclass(frozen=True)
class Site:
    """The running site: its base URL, the council its database was seeded with, and the
    database's journal mode."""

    url: str
    council_slug: str
    council_name: str
    head_hash: str
    acts: int
    journal: str
    # The file holding the site's clock offset (tests/browser/site_clock.py).
    clock: Path = Path("/nonexistent/clock")


def in_ci(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether this run is CI's: `CI` set to anything but empty, 0, false or no."""
    return environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def require_chromium(path: Path = CHROMIUM, environ: Mapping[str, str] = os.environ) -> None:
    """Go on when Chromium is at `path`; otherwise skip, saying how to install it, except
    under CI, which fails instead: CI must never pass by skipping the browser tests."""
    if path.is_file() and os.access(path, os.X_OK):
        return
    why = (
        f"Chromium is not installed at {path}: run `bash scripts/browser-deps` "
        "(Debian's chromium package, through apt-get) to run the browser tests"
    )
    if in_ci(environ):
        pytest.fail(f"{why}; under CI (CI={environ['CI']}) the browser tests never skip")
    pytest.skip(why)


def sign_up(page: Page, username: str, display_name: str, password: str) -> None:
    """Sign up through the sign-up page and land on one's profile, logged in."""
    page.goto("/accounts/signup/")
    page.locator("#id_username").fill(username)
    page.locator("#id_display_name").fill(display_name)
    page.locator("#id_password1").fill(password)
    page.locator("#id_password2").fill(password)
    page.locator("main form").get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/accounts/profile/")


def log_in(page: Page, username: str, password: str) -> None:
    """Log in through the log-in page and land on one's profile."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/profile/")
