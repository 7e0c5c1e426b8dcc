"""Four journeys of a council's business, driven as people drive them: each member in a
browser of their own, forms filled and buttons pressed, and the vote's window ended by moving
the site's clock a week on (tests/browser/site_clock.py). axe-core checks every page reached;
each journey ends with a screenshot of its last page.

1. apply to join with a declaration, be sponsored, and be admitted by the members' vote;
2. table a resolution, second it, vote, and read its result and count;
3. petition to recall a mandate up to the threshold, vote, and see the office left vacant;
4. found a party with a platform, move its legalization, vote, and see it legal.

The councils are seeded by the site's process (tests/browser/journey_world.py), one per
journey and screen, so the journeys never depend on each other. Every journey runs on the
phone; the motion's runs on a desktop screen too (the others' desktop runs would add about
30 s to the browser suite for pages the desktop tests of tests/browser already cover).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from browsing import DESKTOP, PHONE, Check, Shoot, Site, Viewport, log_in, sign_up
from journey_world import HOLDER, OFFICE, PASSWORD, name, slug
from playwright.sync_api import Browser, BrowserContext, Page, expect
from site_clock import advance, offset, reset

pytestmark = pytest.mark.browser

# The charter's default window is 7 days; a week and an hour later every ballot is due.
PAST_THE_WINDOW = timedelta(days=7, hours=1)
NEWCOMER_PASSWORD = "lantern-moss-4-copper"

Member = Callable[[str], Page]
Clock = Callable[[timedelta], None]


@pytest.fixture
def viewport() -> Viewport:
    """The journeys' screen: the phone (the motion's journey adds the desktop below)."""
    return PHONE


@pytest.fixture
def member(browser: Browser, site: Site, viewport: Viewport) -> Iterator[Member]:
    """A browser of a seeded member's own (own cookies), logged in through the log-in page."""
    contexts: list[BrowserContext] = []
    tabs: dict[str, Page] = {}

    def open_as(username: str) -> Page:
        if username not in tabs:
            context = browser.new_context(
                base_url=site.url, viewport=viewport.size, is_mobile=viewport.mobile,
                has_touch=viewport.mobile, device_scale_factor=2 if viewport.mobile else 1,
                locale="en-GB", timezone_id="UTC")
            context.set_default_timeout(10_000)
            contexts.append(context)
            tabs[username] = context.new_page()
            log_in(tabs[username], username, PASSWORD)
        return tabs[username]

    try:
        yield open_as
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def clock(site: Site) -> Iterator[Clock]:
    """Move the site's clock on; it is put back to the real time after the test."""
    try:
        yield lambda by: advance(site.clock, by)
    finally:
        reset(site.clock)


def vote(tab: Page, url: str, choice: str) -> None:
    """Open a motion's page, choose, cast the vote, and see it taken (no receipt shown)."""
    tab.goto(url)
    ballot = tab.get_by_role("group", name="Your vote")
    ballot.get_by_label(choice, exact=True).check()
    tab.get_by_role("button", name="Cast your vote").click()
    expect(tab.get_by_role("status")).to_have_text("You have voted on this motion.")


def test_an_applicant_declares_is_sponsored_and_admitted_by_the_members_vote(
    page: Page, site: Site, viewport: Viewport, member: Member, clock: Clock,
    assert_accessible: Check, screenshot: Shoot,
) -> None:
    council, newcomer = slug("admit", viewport.name), f"wanda-{viewport.name}"
    sign_up(page, newcomer, "Wanda Lis", NEWCOMER_PASSWORD)
    page.goto(f"/councils/{council}/")
    page.get_by_role("link", name="Apply to join").click()
    first = page.get_by_role("group", name="Declaration 1 (leave empty if none)")
    first.get_by_label("Position").select_option("manages")
    first.get_by_label("Where").fill("Riverside bakery")
    first.get_by_label("Since").fill("2022")
    first.get_by_label("In your words").fill("Foreman of the morning shift")
    assert_accessible(page, "the apply page, a declaration filled in")
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page).to_have_url(f"/councils/{council}/")
    applicants = page.get_by_role("region", name=re.compile(r"members?$"))
    expect(applicants.get_by_role("link", name=newcomer)).to_be_visible()

    for sponsor in ("vera", "oleg"):
        tab = member(sponsor)
        tab.goto(f"/councils/{council}/")
        tab.get_by_role("main").get_by_role("link", name=newcomer, exact=True).click()
        expect(tab.get_by_role("main")).to_contain_text("Riverside bakery")
        expect(tab.get_by_role("main")).to_contain_text("Foreman of the morning shift")
        assert_accessible(tab, f"the applicant's page, seen by {sponsor}")
        tab.get_by_role("button", name=f"Sponsor {newcomer}").click()
    # The second sponsor moves the charter's procedure on: the admission vote opens.
    tab.get_by_role("link", name=re.compile(r"^Motion \d+$")).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(re.compile(r"Admission$"))
    expect(tab.get_by_role("main")).to_contain_text("Secret ballot.")
    admission = tab.url
    assert_accessible(tab, "the admission vote's page, vote open")
    for voter in ("vera", "oleg", "nina"):
        vote(member(voter), admission, "Yes")
    assert_accessible(member("nina"), "the admission vote's page, after voting")

    page.goto(admission)
    expect(page.get_by_role("main")).to_contain_text("The vote is open until")
    expect(page.get_by_role("button", name="Cast your vote")).to_have_count(0)
    clock(PAST_THE_WINDOW)
    page.goto(admission)
    expect(page.locator(".result")).to_have_text("Carried. Yes 3, no 0, abstain 0.")
    assert_accessible(page, "the admission vote's result")

    page.goto(f"/councils/{council}/people/{newcomer}/")
    expect(page.locator(".facts dd").first).to_have_text("member")
    page.goto("/accounts/profile/")
    mine = page.get_by_role("region", name="Your councils")
    expect(mine.get_by_role("listitem").filter(has_text=name("admit", viewport.name))) \
        .to_contain_text("member")
    assert_accessible(page, "the new member's profile")
    screenshot(page, "journey-admission")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=lambda v: v.name)
def test_a_resolution_is_tabled_seconded_voted_and_carried_with_its_count(
    page: Page, site: Site, viewport: Viewport, member: Member, clock: Clock,
    assert_accessible: Check, screenshot: Shoot,
) -> None:
    council = slug("motion", viewport.name)
    mover = member("vera")
    mover.goto(f"/councils/{council}/")
    mover.get_by_role("link", name="Table a motion").click()
    mover.get_by_label("Kind of motion").select_option(label="Resolution")
    mover.get_by_label("Text:", exact=True).fill(
        "The council demands a second oven crew for the night shift.")
    assert_accessible(mover, "the table-a-motion page, filled in")
    mover.get_by_role("button", name="Table the motion").click()
    expect(mover.get_by_role("heading", level=1)).to_have_text(re.compile(r"Resolution$"))
    expect(mover.get_by_role("main")).to_contain_text("Waiting for 1 seconder")
    motion = mover.url
    assert_accessible(mover, "the motion's page, waiting for a seconder")

    seconder = member("oleg")
    seconder.goto(motion)
    seconder.get_by_role("button", name="Second this motion").click()
    expect(seconder.get_by_role("main")).to_contain_text("The vote is open until")
    for voter, choice in (("vera", "Yes"), ("oleg", "Yes"), ("nina", "No")):
        vote(member(voter), motion, choice)
    # An open ballot: the members answer to each other for their votes, by name.
    expect(member("nina").get_by_role("main")).to_contain_text("nina: No")
    assert_accessible(member("nina"), "the motion's page, open vote, after voting")

    clock(PAST_THE_WINDOW)
    page.goto(motion)
    expect(page.locator(".result")).to_have_text("Carried. Yes 2, no 1, abstain 0.")
    expect(page.get_by_role("main")).to_contain_text("second oven crew")
    assert_accessible(page, "the motion's result, read by anyone")
    page.goto(f"/councils/{council}/")
    expect(page.get_by_role("region", name="Open motions")) \
        .to_contain_text("No motion is before the members now.")
    page.goto(motion)
    screenshot(page, "journey-motion")


def test_a_recall_petition_reaches_its_threshold_and_the_vote_ends_the_mandate(
    page: Page, site: Site, viewport: Viewport, member: Member, clock: Clock,
    assert_accessible: Check, screenshot: Shoot,
) -> None:
    council = slug("recall", viewport.name)
    page.goto(f"/councils/{council}/")
    offices = page.get_by_role("region", name="Offices")
    expect(offices).to_contain_text(f"{OFFICE} (office 1): {HOLDER} since")

    opener = member("vera")
    opener.goto(f"/councils/{council}/")
    opener.get_by_role("link", name="Recall petitions").click()
    opener.get_by_label("The mandate to recall").select_option(label=f"{HOLDER} · {OFFICE}")
    assert_accessible(opener, "the recall petitions page, a mandate chosen")
    opener.get_by_role("button", name="Open the petition and sign it").click()
    petition = opener.get_by_role("listitem").filter(
        has_text=f"Petition 1: recall {HOLDER} as {OFFICE}")
    expect(petition).to_contain_text("1 of 2 signatures")
    expect(petition.get_by_role("progressbar")).to_have_attribute("value", "1")
    assert_accessible(opener, "the recall petitions page, one signature of two")

    signer = member("oleg")
    signer.goto(f"/councils/{council}/petitions/")
    signer.get_by_role("button", name="Sign this petition").click()
    # The signature that reaches the threshold opens the recall vote at once.
    expect(signer.get_by_role("main")).to_contain_text("2 of 2 signatures")
    signer.get_by_role("link", name="the recall vote").click()
    expect(signer.get_by_role("heading", level=1)).to_have_text(re.compile(r"Recall$"))
    expect(signer.get_by_role("main")).to_contain_text("The vote is open until")
    recall = signer.url
    assert_accessible(signer, "the recall vote's page, vote open")
    for voter, choice in (("vera", "Yes"), ("oleg", "Yes"), ("nina", "Yes"), (HOLDER, "No")):
        vote(member(voter), recall, choice)

    clock(PAST_THE_WINDOW)
    page.goto(recall)
    expect(page.locator(".result")).to_have_text("Carried. Yes 3, no 1, abstain 0.")
    assert_accessible(page, "the recall vote's result")
    page.goto(f"/councils/{council}/")
    expect(offices).to_contain_text(f"{OFFICE} (office 1): vacant")
    expect(offices).not_to_contain_text(HOLDER)
    assert_accessible(page, "the council page, the office vacant")
    screenshot(page, "journey-recall")


def test_a_party_is_founded_with_its_platform_and_legalized_by_the_members_vote(
    page: Page, site: Site, viewport: Viewport, member: Member, clock: Clock,
    assert_accessible: Check, screenshot: Shoot,
) -> None:
    council = slug("party", viewport.name)
    founder = member("vera")
    founder.goto(f"/councils/{council}/")
    founder.get_by_role("link", name="Parties").click()
    founder.get_by_label("Name of the party").fill("Bread and Roses")
    founder.get_by_label("Platform").fill("Bread for all, and roses too.\nA shorter week.")
    assert_accessible(founder, "the parties page, a party's form filled in")
    founder.get_by_role("button", name="Found the party").click()
    party = founder.get_by_role("article", name=re.compile(r"^Bread and Roses"))
    expect(party.get_by_role("heading")).to_contain_text("proposed")
    expect(party).to_contain_text("A shorter week.")
    assert_accessible(founder, "the parties page, the party proposed")

    party.get_by_role("link", name="Move to make this party legal").click()
    expect(founder.get_by_label("Kind of motion")).to_have_value("party_legalization")
    expect(founder.get_by_label("Party or office number")).to_have_value("1")
    founder.get_by_role("button", name="Table the motion").click()
    expect(founder.get_by_role("heading", level=1)).to_have_text(re.compile(r"Legalize a party$"))
    legalization = founder.url

    seconder = member("oleg")
    seconder.goto(legalization)
    seconder.get_by_role("button", name="Second this motion").click()
    expect(seconder.get_by_role("main")).to_contain_text("The vote is open until")
    for voter, choice in (("vera", "Yes"), ("oleg", "Yes"), ("nina", "Abstain")):
        vote(member(voter), legalization, choice)
    assert_accessible(member("nina"), "the legalization vote's page, after voting")

    clock(PAST_THE_WINDOW)
    page.goto(legalization)
    expect(page.locator(".result")).to_have_text("Carried. Yes 2, no 0, abstain 1.")
    page.goto(f"/councils/{council}/parties/")
    expect(page.get_by_role("article", name=re.compile(r"^Bread and Roses"))
           .get_by_role("heading")).to_contain_text("legal")
    page.goto(f"/councils/{council}/")
    legal = page.get_by_role("region", name="Legal parties")
    expect(legal.get_by_role("heading", name="Bread and Roses")).to_be_visible()
    expect(legal).to_contain_text("Bread for all, and roses too.")
    assert_accessible(page, "the council page, the party legal")
    screenshot(page, "journey-party")


def test_the_site_clock_moves_forward_by_what_is_added_and_back_to_the_real_time(
    tmp_path: Path,
) -> None:
    file = tmp_path / "clock"
    assert offset(file) == timedelta(0)
    advance(file, timedelta(days=7))
    advance(file, timedelta(hours=1))
    assert offset(file) == timedelta(days=7, hours=1)
    with pytest.raises(ValueError, match="only moves forward"):
        advance(file, timedelta(seconds=-1))
    assert offset(file) == timedelta(days=7, hours=1)
    reset(file)
    assert offset(file) == timedelta(0)
