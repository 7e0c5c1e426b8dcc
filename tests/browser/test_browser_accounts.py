"""A person signs up, sees their profile, logs out and logs in again, in a real Chromium, on a
phone and on a desktop screen; axe-core checks every page on the way, error pages included."""

from __future__ import annotations

import re

import pytest
from browsing import Check, Shoot, Viewport
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "quarry-lantern-7-meadow"


def named(label: str) -> re.Pattern[str]:
    """A field's accessible name: its label, with or without the colon Django adds."""
    return re.compile(rf"^{re.escape(label)}:?$")


def test_a_person_signs_up_sees_their_profile_logs_out_and_logs_in_again(
    page: Page, viewport: Viewport, assert_accessible: Check, screenshot: Shoot
) -> None:
    username = f"rosa-{viewport.name}"
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Councils")
    assert_accessible(page, "the home page (anonymous)")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    expect(page).to_have_url("/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up")
    assert_accessible(page, "the sign-up page")

    # Bad input first: the refusal is said beside the fields, and the page stays accessible.
    page.get_by_label(named("Username")).fill("7rosa")
    page.get_by_label(named("Display name")).fill("Rosa Luxemburg")
    page.get_by_label(named("Password")).fill(PASSWORD)
    page.get_by_label(named("Password confirmation")).fill(PASSWORD + "x")
    page.get_by_role("button", name="Sign up").click()
    # Said in words beside each field, and tied to it for a screen reader.
    username_field = page.get_by_label(named("Username"))
    expect(username_field).to_have_attribute("aria-invalid", "true")
    expect(username_field).to_have_accessible_description(
        re.compile(r"A username is 2 to 30 characters: .*starting with a letter\.$")
    )
    expect(page.get_by_label(named("Password confirmation"))).to_have_accessible_description(
        re.compile(r"The two password fields didn’t match\.$")
    )
    expect(page.get_by_text("The two password fields didn’t match.")).to_be_visible()
    assert_accessible(page, "the sign-up page with errors")

    page.get_by_label(named("Username")).fill(username.upper())
    page.get_by_label(named("Display name")).fill("Rosa Luxemburg")
    page.get_by_label(named("E-mail address")).fill(f"{username}@example.org")
    page.get_by_label(named("Password")).fill(PASSWORD)
    page.get_by_label(named("Password confirmation")).fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url("/accounts/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rosa Luxemburg")
    # The username is kept folded to lowercase: it names the person in every book.
    expect(page.get_by_role("main").get_by_text(username, exact=True)).to_be_visible()
    assert_accessible(page, "the profile page")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url("/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_have_count(0)
    page.goto("/accounts/profile/")
    expect(page).to_have_url("/accounts/login/?next=/accounts/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    assert_accessible(page, "the log-in page")

    page.get_by_label(named("Username")).fill(username)
    page.get_by_label(named("Password")).fill(PASSWORD + "-wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "That username and password do not match an account."
    )
    assert_accessible(page, "the log-in page with errors")

    page.get_by_label(named("Username")).fill(username)
    page.get_by_label(named("Password")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url("/accounts/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rosa Luxemburg")
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out")
    ).to_be_visible()
    assert_accessible(page, "the profile page after logging in again")
    screenshot(page, "accounts-journey")
