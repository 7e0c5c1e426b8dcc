"""Keyboard use: on every page of the journeys the first Tab stop is the skip link, it shows
when focused, and following it moves focus to the main content, so the next Tab goes on from
there instead of through the site's navigation again."""

from __future__ import annotations

import pytest
from browsing import Viewport, sign_up
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# Whether focus is on the first Tab stop after the start of main (null when there is none).
NEXT_STOP_AFTER_MAIN = """() => {
  const main = document.querySelector('main');
  const stops = [...document.querySelectorAll(
    'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select, '
    + 'textarea, [tabindex]:not([tabindex="-1"])')]
    .filter((e) => e.getClientRects().length > 0)
    .filter((e) => main.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING);
  return stops.length ? stops[0] === document.activeElement : null;
}"""

FOCUSED_AT_LOAD = (
    "() => document.activeElement === document.body ? null : document.activeElement.outerHTML"
)

# Each page: its path, and whether one must be logged in to see it.
PAGES = {
    "home": ("/", False),
    "sign-up": ("/accounts/signup/", False),
    "log-in": ("/accounts/login/", False),
    "council": ("/councils/bakers/", False),
    "book": ("/councils/bakers/book/", False),
    "person": ("/councils/bakers/people/ana/", False),
    "profile": ("/accounts/profile/", True),
    "apply": ("/councils/bakers/apply/", True),
    "found": ("/found/", True),
}


@pytest.mark.parametrize("where", list(PAGES))
def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    page: Page, viewport: Viewport, where: str
) -> None:
    path, logged_in = PAGES[where]
    if logged_in:
        sign_up(page, f"kim-{where}-{viewport.name}", "Kim Tab", "kettle-harbour-4-willow")
    response = page.goto(path)
    assert response is not None and response.ok, f"{path} answered {response}"
    # Focus put into a field at load (`autofocus`) makes the first Tab skip the skip link, and
    # a screen reader starts mid-form, past the page's heading and explanation.
    focused = page.evaluate(FOCUSED_AT_LOAD)
    if focused is not None:
        pytest.fail(
            f"{path} puts focus on {focused} as it loads (autofocus), so the first Tab "
            "passes the skip link by; remove the autofocus",
            pytrace=False,
        )

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    # A skip link hidden while focused would leave a sighted keyboard user lost.
    expect(skip).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    assert page.url.endswith("#main")

    # Focus now starts from main: the next Tab lands on the first stop after main's start,
    # never back in the header (when nothing after it takes focus, Tab leaves the page).
    page.keyboard.press("Tab")
    landed = page.evaluate(NEXT_STOP_AFTER_MAIN)
    assert landed is not False, f"on {path}, Tab after the skip link did not go on from main"
