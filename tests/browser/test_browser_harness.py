"""The browser tests' own harness: a missing Chromium skips them only outside CI, and the
accessibility check really fails a page that axe-core finds seriously wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from browsing import Check, Site, require_chromium
from playwright.sync_api import Browser

MISSING = Path("/nonexistent/chromium")


@pytest.mark.parametrize("ci", ["true", "1", "True", "yes"])
def test_under_ci_a_missing_chromium_fails_the_browser_tests(ci: str) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"under CI .* never skip"):
        require_chromium(MISSING, {"CI": ci})


@pytest.mark.parametrize("environ", [{}, {"CI": ""}, {"CI": "false"}, {"CI": "0"}])
def test_outside_ci_a_missing_chromium_skips_them_saying_how_to_install_it(
    environ: dict[str, str],
) -> None:
    with pytest.raises(pytest.skip.Exception, match=r"run `bash scripts/browser-deps`"):
        require_chromium(MISSING, environ)


def test_a_present_chromium_is_used_under_ci_and_outside_it(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    require_chromium(chromium, {"CI": "true"})
    require_chromium(chromium, {})


@pytest.mark.browser
def test_the_accessibility_check_fails_a_page_with_a_serious_violation_and_names_it(
    browser: Browser, assert_accessible: Check
) -> None:
    tab = browser.new_page()
    try:
        tab.set_content(
            '<!doctype html><html lang="en"><title>Clean</title>'
            "<main><h1>Clean</h1><label>Name <input name=n></label></main></html>"
        )
        assert_accessible(tab, "a clean page")
        # A field with no label is "critical" for axe-core (rule `label`).
        tab.set_content(
            '<!doctype html><html lang="en"><title>Broken</title>'
            "<main><h1>Broken</h1><input name=n></main></html>"
        )
        with pytest.raises(pytest.fail.Exception) as failed:
            assert_accessible(tab, "a broken page")
        assert "label" in str(failed.value) and "a broken page" in str(failed.value)
        assert '<input name="n">' in str(failed.value)
    finally:
        tab.close()


@pytest.mark.browser
def test_the_site_is_served_as_sovet_serve_serves_it_over_sqlite_in_wal_mode(site: Site) -> None:
    """The pages are driven through waitress over a SQLite file in WAL mode, as in production,
    not over pytest-django's in-memory test database (whose journal is "memory")."""
    assert site.journal == "wal"
    assert site.url.startswith("http://127.0.0.1:")
