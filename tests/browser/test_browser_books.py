"""A reader finds a council from the home page, reads its book's head on its page, and
downloads the book, which the core's `verify` accepts up to that head, in a real Chromium."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from browsing import Check, Shoot, Site
from playwright.sync_api import Page, expect

from sovet.core.book import chain, verify

# The web tests' cast founds the council the site was seeded with (tests/browser/site_server.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from webcast import founding_acts

pytestmark = pytest.mark.browser


def test_the_council_page_shows_the_book_head_and_its_download_verifies(
    page: Page, site: Site, assert_accessible: Check, screenshot: Shoot, tmp_path: Path
) -> None:
    # The oracle: the head the core's own chain gives the founding acts, not the server's word.
    entries = chain(founding_acts(site.council_slug, site.council_name))
    head = entries[-1].hash
    assert site.head_hash == head

    page.goto("/")
    listed = page.get_by_role("main").get_by_role("listitem").filter(has_text=site.council_name)
    expect(listed).to_contain_text(f"{len(entries)} acts in its book")
    assert_accessible(page, "the home page listing a council")

    listed.get_by_role("link", name=site.council_name).click()
    expect(page).to_have_url(f"/councils/{site.council_slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(site.council_name)
    book = page.get_by_role("main").get_by_role("region", name="The book")
    expect(book).to_contain_text(f"The council's book holds {len(entries)} acts.")
    expect(book.locator("code.hash")).to_have_text(head)
    expect(book.locator("pre.command")).to_have_text(
        f"sovet verify {site.council_slug}.book.jsonl --head {head}"
    )
    # Every council page shows its head, in the footer too (DESIGN.md, guarantee 5).
    expect(page.get_by_role("contentinfo")).to_contain_text(f"Book head: {head}")
    assert_accessible(page, "the council page")

    with page.expect_download() as download_info:
        book.get_by_role("link", name="Download book").click()
    download = download_info.value
    assert download.suggested_filename == f"{site.council_slug}.book.jsonl"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with saved.open("rb") as downloaded:
        verdict = verify(downloaded, head=head, full=True)
    assert verdict.ok, verdict
    assert (verdict.count, verdict.head, verdict.head_seq) == (len(entries), head, len(entries))

    screenshot(page, "council-journey")
