"""A founding group gathered by link, and a council's affiliation pages, in a real browser
with axe-core on each; and the layout fixes that a phone showed were needed: the verify
command wraps between whole words, and every radio and checkbox is a 24 px target."""

from __future__ import annotations

import re

import pytest
from browsing import Check, Shoot, Site, Viewport, sign_up
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_a_founding_link_is_made_then_opened_and_the_affiliation_pages_read(
    page: Page, site: Site, viewport: Viewport, assert_accessible: Check, screenshot: Shoot
) -> None:
    sign_up(page, f"mira-{viewport.name}", "Mira Holt", "ferry-lantern-8-quarry")
    page.goto("/found/")
    page.get_by_role("link", name="Or gather the founding group by a link").click()
    expect(page).to_have_url("/found/invite/")
    assert_accessible(page, "the founding-link page")
    page.get_by_label("Name of the council").fill("Dock workers")
    page.get_by_label("Council id").fill(f"docks-{viewport.name}")
    page.get_by_role("button", name="Make the link").click()
    link = page.get_by_label("Copy this link and send it to your co-founders:")
    expect(link).to_have_value(re.compile(r"/found/join/[^/]+/$"))
    assert_accessible(page, "the founding-link page with its link")

    page.goto(str(link.input_value()))
    expect(page.get_by_role("heading", level=1)).to_have_text("Found Dock workers")
    expect(page.get_by_text(f"mira-{viewport.name}", exact=True)).to_be_visible()
    assert_accessible(page, "a founding link, opened by its maker")
    screenshot(page, "founding-link")

    page.goto(f"/councils/{site.council_slug}/")
    page.get_by_role("link", name="Affiliate to a parent council").click()
    expect(page).to_have_url(f"/councils/{site.council_slug}/affiliate/")
    assert_accessible(page, "a council's affiliation page")
    page.get_by_role("link", name="Councils asking to affiliate to this one").click()
    expect(page).to_have_url(f"/councils/{site.council_slug}/affiliations/")
    assert_accessible(page, "a council's affiliation requests page")


def test_the_verify_command_keeps_its_words_whole_and_choices_are_big_enough(
    page: Page, site: Site, viewport: Viewport
) -> None:
    page.goto(f"/councils/{site.council_slug}/")
    command = page.locator("pre.command")
    # Each line of the wrapped command, as the browser lays it out: "--head" stays whole.
    lines = command.evaluate("""el => {
        const range = document.createRange(), text = el.innerText, rows = new Map();
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        let node, offset = 0;
        while ((node = walker.nextNode())) {
            for (let i = 0; i < node.length; i++) {
                range.setStart(node, i); range.setEnd(node, i + 1);
                const top = Math.round(range.getBoundingClientRect().top);
                rows.set(top, (rows.get(top) || "") + node.data[i]);
            }
        }
        return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(r => r[1].trim());
    }""")
    assert any(line.endswith("--head") or line.startswith("--head") or " --head " in line
               for line in lines), lines
    assert not any(line.endswith("-") and not line.endswith("--head") for line in lines), lines

    sign_up(page, f"ivo-{viewport.name}", "Ivo Petrov", "cobalt-meadow-3-harbor")
    page.goto("/found/")
    boxes = page.locator("main input[type=radio], main input[type=checkbox]").evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
    assert boxes and all(w >= 24 and h >= 24 for w, h in boxes), boxes
    number = page.locator("main input[type=number]").first.bounding_box()
    assert number is not None and number["width"] >= 96 and number["height"] >= 44, number
    weights = page.locator("main fieldset label").evaluate_all(
        "els => els.map(e => getComputedStyle(e).fontWeight)")
    assert weights and all(int(w) < 600 for w in weights), weights
