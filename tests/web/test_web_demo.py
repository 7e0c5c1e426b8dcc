"""The demo site: seeded through the services, every page of every council shows, the books
verify, and the tables rebuild from the books to what the live path wrote."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from sovet.core.book import verify
from sovet.core.charter import at_least
from sovet.web.accounts.models import Person
from sovet.web.books.models import Act
from sovet.web.books.selectors import book_lines
from sovet.web.councils import services
from sovet.web.councils.models import Membership, SealedBallot
from sovet.web.councils.selectors import council_state
from sovet.web.demo import (
    BAKERY,
    DEMO_PASSWORD,
    DEPOT,
    DISTRICT,
    FOREMAN,
    HOSPITAL,
    SHIFT_MANAGER,
    Demo,
    seed,
)

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="(/councils/[^"#?]+)')


@pytest.fixture
def demo(fast_hashing: None) -> Demo:
    return seed(now=timezone.now())


def member_of(demo: Demo, slug: str) -> str:
    """A member of the council in their own right (not a seated delegate)."""
    state = council_state(demo.councils[slug])
    return next(p for p in sorted(state.members)
                if state.is_member(p) and p not in state.delegates)


def crawl(client: Client, slug: str) -> dict[str, int]:
    """GET the council page and every page of that council it links to, two links deep."""
    prefix = f"/councils/{slug}/"
    seen: dict[str, int] = {}
    todo = [prefix, f"{prefix}motions/"]
    for _depth in range(3):
        found: list[str] = []
        for url in todo:
            if url in seen or len(seen) >= 200:
                continue
            response = client.get(url)
            seen[url] = response.status_code
            if response.status_code == 200 and response.get("Content-Type", "").startswith(
                    "text/html"):
                found += [u for u in HREF.findall(response.content.decode())
                          if u.startswith(prefix)]
        todo = found
    return seen


def test_the_demo_holds_what_the_issue_asks_for(demo: Demo) -> None:
    assert set(demo.councils) == {DISTRICT, BAKERY, DEPOT, HOSPITAL}
    assert 55 <= Person.objects.count() <= 65
    district = council_state(demo.councils[DISTRICT])
    bakery = council_state(demo.councils[BAKERY])
    # Three workplace councils under the district: affiliated by motion, delegates seated by
    # reference to the act of their own council that elected them.
    assert district.children == {BAKERY, DEPOT, HOSPITAL}
    for child in (BAKERY, DEPOT, HOSPITAL):
        child_state = council_state(demo.councils[child])
        assert child_state.parent == DISTRICT
        delegate = demo.delegates[child]
        seated_from, act_hash = district.delegates[delegate]
        assert seated_from == child
        assert Act.objects.filter(council=demo.councils[child], hash=act_hash,
                                  kind="election.counted").exists()
    # Declarations: the foreman refused, the shift manager renounced and admitted.
    assert bakery.status(FOREMAN) == "refused"
    assert any(d.person == FOREMAN and d.kind == "hires_and_fires"
               for d in bakery.declarations.values())
    assert bakery.is_member(SHIFT_MANAGER)
    assert [d.renounced for d in bakery.declarations.values()
            if d.person == SHIFT_MANAGER] == [True]
    # Two legal parties and one proposed.
    assert sorted(p.status for p in bakery.parties.values()) == ["legal", "legal", "proposed"]
    now = timezone.now()
    # An open motion, an election whose voting is open, a counted STV election.
    assert any(m.status == "open" and m.closes is not None and m.closes > now
               for m in bakery.motions.values())
    assert any(e.status != "counted" and e.nominations_close <= now < e.closes
               for e in bakery.elections.values())
    stv = [(n, e) for n, e in bakery.elections.items()
           if e.method == "stv_scottish" and e.status == "counted"]
    assert len(stv) == 1 and len(stv[0][1].elected) == 3
    assert SealedBallot.objects.filter(council=demo.councils[BAKERY], of="election",
                                       ballot=stv[0][0]).count() >= 10  # published
    # A recall petition under way, short of its threshold but past its first signatures.
    (petition,) = bakery.petitions.values()
    assert petition.status == "open" and len(petition.signatures) >= 2
    assert not at_least(len(petition.signatures), bakery.n_members,
                        bakery.charter.recall_threshold)


def test_every_book_of_the_demo_verifies(demo: Demo) -> None:
    for council in demo.councils.values():
        verdict = verify(book_lines(council), head=council.head_hash)
        assert verdict.ok, (council.slug, str(verdict))
        assert verdict.count == council.head_seq > 10


def test_a_printed_login_works_and_every_page_of_every_council_shows(demo: Demo) -> None:
    for username, _who in demo.logins:
        assert Client().login(username=username, password=DEMO_PASSWORD), username
    for slug in demo.councils:
        client = Client()
        client.force_login(Person.objects.get(username=member_of(demo, slug)))
        seen = crawl(client, slug)
        assert {url: status for url, status in seen.items() if status != 200} == {}, slug
        # Each main page of the council was reached.
        for page in ("", "book/", "motions/", "parties/", "petitions/", "actions/"):
            assert f"/councils/{slug}/{page}" in seen, (slug, page)
        assert any(re.fullmatch(rf"/councils/{slug}/motions/\d+/", u) for u in seen), slug


def test_the_bakery_pages_show_its_history(demo: Demo) -> None:
    client = Client()
    client.force_login(Person.objects.get(username="ana"))
    page = client.get(f"/councils/{BAKERY}/").content.decode()
    assert "Rank and File" in page and demo.councils[BAKERY].head_hash in page
    parties = client.get(f"/councils/{BAKERY}/parties/").content.decode()
    assert "Works Committee Caucus" in parties


def test_rebuilding_the_tables_from_the_books_gives_what_the_live_path_wrote(demo: Demo) -> None:
    def rows() -> set[tuple[int, str, str, str]]:
        return {(m.council_id, m.person, m.status, m.since.isoformat())
                for m in Membership.objects.all()}

    live = rows()
    assert len(live) > 50
    Membership.objects.filter(council=demo.councils[BAKERY]).delete()
    for council in demo.councils.values():
        assert services.council_rebuild(council_id=council.pk) == council.head_seq
    assert rows() == live
