"""A secret STV election from nomination to the results page with its chart, on a phone.

The site is served from a SQLite file of its own (as `site_server.py` serves it), seeded by
`tests/web/electioncast.py` through the services: the council `printers` (ana, bo, cy, dan,
eve; Night shift legal) and an election called so that its nominations close a few seconds
after the seed. In the browser, members nominate themselves and stand a party slate, wait for
the nominations to close, and rank the candidates on a phone (one by the Up and Down buttons,
the others by numbers). Time then moves on: the test runs the lazy close at a `now` after the
voting, from a process of its own against the same file, and the results page shows the
elected, the stage table and the chart. axe-core checks every page on the way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from shutil import rmtree

import pytest
from browsing import PHONE, Check, Shoot, Viewport
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CAST = ROOT / "tests" / "web" / "electioncast.py"
PASSWORD = "ink-press-42-lantern"  # electioncast.PASSWORD
# Seconds from the seed until the nominations close: enough for three people to stand.
WINDOW = 40

_DROPPED = ("DATABASE_URL", "SOVET_SECRET_KEY", "SOVET_DEBUG", "SOVET_HTTPS", "SOVET_TRUSTED_PROXY",
            "SOVET_ALLOWED_HOSTS", "SOVET_CSRF_TRUSTED_ORIGINS", "SOVET_STATIC_ROOT")


@pytest.fixture
def viewport() -> Viewport:
    """This journey is the phone's: ranking on a small touch screen."""
    return PHONE


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    env["SOVET_DATA"] = str(data)
    return env


# Run electioncast.main in a process of its own, with Django set up on the site's data folder.
_RUN = ("import sys; sys.path.insert(0, sys.argv[1]); from sovet.serve import setup; setup(); "
        "import electioncast; electioncast.main(sys.argv[2:])")


def _cast(data: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", _RUN, str(CAST.parent), *args], cwd=ROOT,
                          env=_env(data), capture_output=True, text=True, timeout=120,
                          check=False)
    if done.returncode:
        pytest.fail(f"electioncast.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip()


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Path]]:
    """A site of this journey's own (URL, data folder), served by waitress like `site`."""
    data = Path(tempfile.mkdtemp(prefix="sovet-election-"))
    out, err = data / "server.out", data / "server.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-u", str(HERE / "site_server.py"),
                                    str(data)], cwd=ROOT, stdout=stdout, stderr=stderr)
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and process.poll() is None:
            text = out.read_text() if out.exists() else ""
            if text.endswith("\n"):
                line = text.splitlines()[0]
                break
            time.sleep(0.05)
        if not line:
            pytest.fail("the election site did not start:\n"
                        + (err.read_text() if err.exists() else ""))
        yield line.split()[1], data
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        rmtree(data, ignore_errors=True)


def _context(browser: Browser, url: str) -> BrowserContext:
    context = browser.new_context(
        base_url=url, viewport=PHONE.size, is_mobile=True, has_touch=True,
        device_scale_factor=2, accept_downloads=True, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(10_000)
    return context


def _log_in(browser: Browser, url: str, who: str) -> Page:
    page = _context(browser, url).new_page()
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(who)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/profile/")
    return page


def test_a_secret_stv_election_from_nomination_to_the_results_and_chart_on_a_phone(
    browser: Browser, served: tuple[str, Path], assert_accessible: Check, screenshot: Shoot
) -> None:
    url, data = served
    slug, number = _cast(data, "seed", str(WINDOW)).split()
    seeded = time.monotonic()
    election = f"/councils/{slug}/elections/{number}/"

    # cy finds the election from the council page and stands.
    cy = _log_in(browser, url, "cy")
    cy.goto(f"/councils/{slug}/")
    cy.get_by_role("link", name="Elections", exact=True).click()
    expect(cy.get_by_role("heading", level=1)).to_have_text("Elections")
    assert_accessible(cy, "the election list")
    cy.get_by_role("link", name=f"Election {number}: Strike committee").click()
    expect(cy.get_by_role("main")).to_contain_text("Single transferable vote (Scottish rules)")
    expect(cy.get_by_role("main")).to_contain_text("2 people are elected")
    assert_accessible(cy, "the election page (nominations open)")
    cy.get_by_role("button", name="Nominate myself").click()
    expect(cy.get_by_role("region", name="Candidates")).to_contain_text("cy")
    expect(cy.get_by_role("button", name="Nominate myself")).to_have_count(0)

    dan = _log_in(browser, url, "dan")
    dan.goto(election)
    dan.get_by_role("button", name="Nominate myself").click()
    expect(dan.get_by_role("region", name="Candidates")).to_contain_text("dan")

    # ana stands Night shift's slate: ana and bo.
    ana = _log_in(browser, url, "ana")
    ana.goto(election)
    slate = ana.locator("form.slate")
    expect(slate).to_contain_text("Stand a slate for Night shift")
    slate.get_by_label("ana").check()
    slate.get_by_label("bo").check()
    slate.get_by_role("button", name="Stand this slate").click()
    candidates = ana.get_by_role("region", name="Candidates")
    expect(candidates).to_contain_text("bo (Night shift)")
    assert_accessible(ana, "the election page with the candidates")

    # The nominations close; voting opens.
    left = WINDOW + 1 - (time.monotonic() - seeded)
    assert left > 0, "the nominations closed before the members could stand; raise WINDOW"
    time.sleep(left)

    # ana ranks with the Up buttons: dan first, then bo above him.
    ana.goto(election)
    ballot = ana.locator("form.ranking")
    expect(ballot).to_be_visible()
    expect(ana.get_by_role("main")).to_contain_text("the ballot is secret from every member")
    assert_accessible(ana, "the secret ballot on a phone")
    ballot.get_by_role("button", name="Up dan", exact=True).tap()
    expect(ballot.get_by_label("dan", exact=True)).to_have_value("1")
    ballot.get_by_role("button", name="Up bo (Night shift)", exact=True).tap()
    expect(ballot.get_by_label("bo (Night shift)", exact=True)).to_have_value("1")
    expect(ballot.get_by_label("dan", exact=True)).to_have_value("2")
    expect(ballot.get_by_label("cy", exact=True)).to_have_value("")
    ballot.get_by_role("button", name="Cast your ballot").tap()
    expect(ana.get_by_role("status")).to_have_text("You have voted in this election.")
    expect(ana.locator("form.ranking")).to_have_count(0)
    assert_accessible(ana, "the election page after voting")

    # The others type numbers; a repeated number is told beside the field first.
    cy.goto(election)
    cy.get_by_label("cy", exact=True).fill("1")
    cy.get_by_label("dan", exact=True).fill("1")
    cy.get_by_role("button", name="Cast your ballot").tap()
    expect(cy.locator(".rank-item.invalid")).to_contain_text("already has number 1")
    assert_accessible(cy, "the ballot with an error")
    cy.get_by_label("dan", exact=True).fill("2")
    cy.get_by_role("button", name="Cast your ballot").tap()
    expect(cy.get_by_role("status")).to_have_text("You have voted in this election.")
    for who, order in (("dan", ("dan", "cy")), ("bo", ("bo (Night shift)", "ana (Night shift)")),
                       ("eve", ("cy", "ana (Night shift)", "dan"))):
        voter = _log_in(browser, url, who)
        voter.goto(election)
        for i, label in enumerate(order, 1):
            voter.get_by_label(label, exact=True).fill(str(i))
        voter.get_by_role("button", name="Cast your ballot").tap()
        expect(voter.get_by_role("status")).to_have_text("You have voted in this election.")
        voter.context.close()

    # Time moves on: the close runs after the voting ends.
    _cast(data, "close", slug, number)
    cy.goto(election)
    cy.get_by_role("link", name="See the results").click()
    expect(cy.get_by_role("heading", level=1)).to_have_text(
        f"Results of election {number}: Strike committee")
    elected = cy.get_by_role("region", name="Elected, in order").get_by_role("listitem")
    expect(elected).to_have_count(2)
    table = cy.locator("#stage-table")
    expect(table).to_contain_text("Quota")
    chart = cy.get_by_role("img", name="Chart of each candidate’s votes at each stage")
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    svg = cy.request.get(f"{election}chart.svg")
    assert svg.ok and svg.headers["content-type"] == "image/svg+xml", svg.text()[:500]
    cy.wait_for_function("() => { const i = document.querySelector('figure.chart img');"
                         " return i.complete && i.naturalWidth > 0; }")
    expect(cy.get_by_role("link", name="Download ballots (BLT)")).to_be_visible()
    assert_accessible(cy, "the results page")
    screenshot(cy, "election-results")
    for page in (cy, dan, ana):
        page.context.close()
