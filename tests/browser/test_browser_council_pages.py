"""A person who is not yet a member goes through a council's pages as the links lead them:
the council, its book, a member, applying, founding a council of their own. axe-core checks
each (the pages of council business are growing; every one reached must stay accessible)."""

from __future__ import annotations

import pytest
from browsing import Check, Shoot, Site, Viewport, sign_up
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_a_newcomer_reads_a_council_its_book_and_a_member_then_sees_how_to_apply_and_found(
    page: Page, site: Site, viewport: Viewport, assert_accessible: Check, screenshot: Shoot
) -> None:
    sign_up(page, f"lena-{viewport.name}", "Lena Stahl", "orchard-kiln-5-sparrow")
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name=site.council_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(site.council_name)
    assert_accessible(page, "the council page (logged in, not a member)")

    page.get_by_role("link", name="Read the book").click()
    expect(page).to_have_url(f"/councils/{site.council_slug}/book/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(site.council_name)
    expect(page.get_by_role("contentinfo")).to_contain_text(site.head_hash)
    assert_accessible(page, "the council's book page")

    page.go_back()
    page.get_by_role("main").get_by_role("link", name="ana", exact=True).click()
    expect(page).to_have_url(f"/councils/{site.council_slug}/people/ana/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ana")
    assert_accessible(page, "a member's page")

    page.goto(f"/councils/{site.council_slug}/")
    page.get_by_role("link", name="Apply to join").click()
    expect(page).to_have_url(f"/councils/{site.council_slug}/apply/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(site.council_name)
    assert_accessible(page, "the apply page")

    page.goto("/found/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Found a council")
    assert_accessible(page, "the found-a-council page")
    screenshot(page, "council-pages-found")
