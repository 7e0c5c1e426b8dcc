"""Every page renders for anonymous and logged-in visitors with the right status; the layout
has its landmarks; errors are plain-word pages; the admin cannot change council data."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path
from webcast import PASSWORD, append, founding_acts

from sovet.core.errors import AlreadyVoted, BadCommand, NotAMember
from sovet.web.accounts.models import Person
from sovet.web.books.models import Act, Council

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "sovet" / "web" / "templates"

# path, status for an anonymous visitor, status for a logged-in person
PAGES = [
    ("/", 200, 200),
    ("/councils/bakers/", 200, 200),
    ("/councils/bakers/book.jsonl", 200, 200),
    ("/councils/nowhere/", 404, 404),
    ("/councils/nowhere/book.jsonl", 404, 404),
    ("/accounts/signup/", 200, 302),
    ("/accounts/login/", 200, 302),
    ("/accounts/logout/", 405, 405),
    ("/accounts/profile/", 302, 200),
    ("/admin/", 302, 302),
    ("/no/such/page/", 404, 404),
]


@pytest.mark.parametrize(("url", "anonymous", "logged_in"), PAGES)
def test_every_page_answers_with_the_right_status(
    founded: Council,
    client: Client,
    make_person: Callable[..., Person],
    url: str,
    anonymous: int,
    logged_in: int,
) -> None:
    assert client.get(url).status_code == anonymous
    client.force_login(make_person("ana"))
    assert client.get(url).status_code == logged_in


def test_the_layout_has_landmarks_a_skip_link_and_a_language(client: Client) -> None:
    html = client.get("/").content.decode()
    assert html.startswith("<!doctype html>")
    assert '<html lang="en">' in html
    assert '<a class="skip" href="#main">Skip to content</a>' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "/static/sovet/sovet.css" in html and "/static/htmx/htmx.min.js" in html


def test_the_navigation_follows_who_is_logged_in(client: Client, ana_client: Client) -> None:
    anonymous = client.get("/").content.decode()
    assert "Log in" in anonymous and "Sign up" in anonymous and "Log out" not in anonymous
    html = ana_client.get("/").content.decode()
    assert "Your profile" in html and "Log out" in html and "Sign up" not in html
    # htmx requests of a logged-in person carry the CSRF token.
    assert re.search(r"hx-headers='\{\"X-CSRFToken\": \"[A-Za-z0-9]+\"\}'", html)


@pytest.mark.parametrize(
    ("url", "starts"),
    [("/static/htmx/htmx.min.js", b"var htmx=function()"), ("/static/sovet/sovet.css", b"/*")],
)
def test_static_files_are_served_by_the_app_itself(client: Client, url: str, starts: bytes) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(starts)


def test_htmx_ships_with_its_licence_beside_it() -> None:
    folder = TEMPLATES.parent / "static" / "htmx"
    assert "Zero-Clause BSD" in (folder / "LICENSE").read_text()
    assert "2.0.11" in (folder / "README.md").read_text()


def test_the_home_page_explains_that_no_council_is_kept_yet(client: Client) -> None:
    html = client.get("/").content.decode()
    assert "No council is kept on this server yet." in html


def test_the_home_page_lists_the_councils_from_the_tables(founded: Council, client: Client) -> None:
    other = Council.objects.create(slug="tenants", name="Tenants of Block 9")
    append(other.pk, founding_acts("tenants", "Tenants of Block 9"))
    html = client.get("/").content.decode()
    assert '<a href="/councils/bakers/">Bakers&#x27; council</a>' in html
    assert '<a href="/councils/tenants/">Tenants of Block 9</a>' in html
    assert html.index("Bakers") < html.index("Tenants")
    assert "5 acts in its book" in html
    assert "No council is kept" not in html


def test_the_home_page_pages_through_many_councils(db: None, client: Client) -> None:
    Council.objects.bulk_create(Council(slug=f"c{i:03}", name=f"Council {i:03}") for i in range(51))
    first = client.get("/").content.decode()
    assert "Council 049" in first and "Council 050" not in first and "Page 1 of 2" in first
    second = client.get("/?page=2").content.decode()
    assert "Council 050" in second and "Council 000" not in second
    assert client.get("/?page=zzz").status_code == 200


def test_a_council_page_shows_its_book_head_and_the_download(
    founded: Council, client: Client
) -> None:
    html = client.get("/councils/bakers/").content.decode()
    assert "<h1>Bakers&#x27; council</h1>" in html
    assert "holds 5 acts" in html
    assert html.count(founded.head_hash) >= 2  # in the page and in the footer's book head
    footer = html[html.index("<footer") :]
    assert founded.head_hash in footer
    assert '<a class="button" href="/councils/bakers/book.jsonl" download>Download book</a>' in html


def test_a_council_with_an_empty_book_says_so(db: None, client: Client) -> None:
    Council.objects.create(slug="new", name="New council")
    html = client.get("/councils/new/").content.decode()
    assert "This council's book has no acts yet." in html
    assert "0000000000" not in html
    assert "Download book" not in html


def test_a_missing_council_is_a_plain_404(db: None, client: Client) -> None:
    response = client.get("/councils/nowhere/")
    assert response.status_code == 404
    assert "there is no council &#x27;nowhere&#x27; on this server" in response.content.decode()


def test_a_council_name_with_markup_is_shown_as_text(db: None, client: Client) -> None:
    Council.objects.create(slug="x", name="<img src=x onerror=alert(1)>")
    for url in ("/", "/councils/x/"):
        html = client.get(url).content.decode()
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


# Error pages: a URL conf of views that fail in each way, used by the tests below.
def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def _suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("bad")


def _broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def _refusal(error: Exception) -> Callable[[HttpRequest], HttpResponse]:
    def view(request: HttpRequest) -> HttpResponse:
        raise error

    return view


urlpatterns = [
    path("forbidden/", _forbidden),
    path("suspicious/", _suspicious),
    path("broken/", _broken),
    path("not-a-member/", _refusal(NotAMember("Cy cannot second motion 12: only members may."))),
    path("bad-command/", _refusal(BadCommand("a council needs an id and a name; give both"))),
    path("voted/", _refusal(AlreadyVoted("Ana has already voted on motion 3."))),
    path("", include("sovet.web.urls")),  # the layout links to the site's own pages
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/nothing-here/", 404, "There is no page at this address."),
        ("/forbidden/", 403, "You may not see or do this."),
        ("/suspicious/", 400, "could not understand the request"),
        ("/broken/", 500, "Something went wrong on the server"),
        ("/not-a-member/", 403, "Cy cannot second motion 12: only members may."),
        ("/bad-command/", 400, "a council needs an id and a name; give both"),
        ("/voted/", 409, "Ana has already voted on motion 3."),
    ],
)
def test_errors_are_pages_in_plain_words(db: None, url: str, status: int, words: str) -> None:
    client = Client(raise_request_exception=False)
    response = client.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert words in html
    assert "Traceback" not in html and "a bug" not in html
    assert "<main" in html and "<footer" in html


def test_templates_mark_every_visible_string_for_translation() -> None:
    """Text outside tags, variables and translate blocks would ship untranslated."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        text = re.sub(r"\{% comment %\}.*?\{% endcomment %\}", "", text, flags=re.S)
        text = re.sub(r"\{% blocktranslate.*?\{% endblocktranslate %\}", "", text, flags=re.S)
        text = re.sub(r"<code>.*?</code>", "", text, flags=re.S)  # commands stay as typed
        text = re.sub(r"<script.*?</script>|<style.*?</style>", "", text, flags=re.S)
        text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}|<[^>]+>", "", text, flags=re.S)
        left = re.sub(r"[\s·:(),.!?&;#x0-9]+", "", text)
        assert left == "", f"{template.name} has untranslated text: {left!r}"


class TestAdmin:
    """The admin only reads: nobody, the superuser included, adds, changes or deletes."""

    @pytest.fixture
    def operator(self, founded: Council, fast_hashing: None) -> Client:
        client = Client()
        client.force_login(
            Person.objects.create_superuser("root", PASSWORD, display_name="Operator")
        )
        return client

    def test_no_model_in_the_admin_can_be_added_changed_or_deleted(self, operator: Client) -> None:
        request = HttpRequest()
        request.user = Person.objects.get(username="root")
        registered = {m for m in admin.site._registry if m._meta.app_label in {"books", "accounts"}}
        assert {Council, Act, Person} <= registered
        for model in registered:
            model_admin = admin.site._registry[model]
            assert not model_admin.has_add_permission(request)
            assert not model_admin.has_change_permission(request)
            assert not model_admin.has_delete_permission(request)
            assert model_admin.has_view_permission(request)
            assert "delete_selected" not in model_admin.get_actions(request)

    def test_the_operator_can_read_but_not_write_council_data(
        self, founded: Council, operator: Client
    ) -> None:
        act = Act.objects.get(council=founded, seq=1)
        assert operator.get("/admin/books/council/").status_code == 200
        assert operator.get(f"/admin/books/act/{act.pk}/change/").status_code == 200
        assert operator.get("/admin/books/council/add/").status_code == 403
        assert (
            operator.post("/admin/books/council/add/", {"slug": "x", "name": "X"}).status_code
            == 403
        )
        change = operator.post(
            f"/admin/books/council/{founded.pk}/change/",
            {"slug": "bakers", "name": "Renamed", "head_seq": 0, "head_hash": "0" * 64},
        )
        assert change.status_code == 403
        assert (
            operator.post(f"/admin/books/act/{act.pk}/delete/", {"post": "yes"}).status_code == 403
        )
        assert operator.post(
            "/admin/books/act/", {"action": "delete_selected", "_selected_action": [act.pk]}
        ).status_code in (200, 302)
        founded.refresh_from_db()
        assert founded.name == "Bakers' council" and founded.head_seq == 5
        assert Act.objects.filter(council=founded).count() == 5
        assert Council.objects.count() == 1

    def test_the_admin_never_shows_a_password_hash(self, operator: Client) -> None:
        root = Person.objects.get(username="root")
        html = operator.get(f"/admin/accounts/person/{root.pk}/change/").content.decode()
        assert root.password not in html
