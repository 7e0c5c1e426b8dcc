"""Accounts: sign up, log in, log out, profile; bad input is refused beside its field and
nothing is written; CSRF is enforced; passwords are hashed with Argon2."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from webcast import PASSWORD

from sovet.web.accounts import throttle
from sovet.web.accounts.models import Person

pytestmark = pytest.mark.django_db

GOOD = {
    "username": "Ana",
    "display_name": "Ana Ruiz",
    "email": "ana@example.org",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def field_errors(html: str, field: str) -> str:
    """The text of the error list Django renders beside a field (id `id_<field>_error`)."""
    m = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return unescape(re.sub(r"<[^>]+>", " ", m.group(1))) if m else ""


def test_signing_up_creates_the_person_logs_them_in_and_hashes_with_argon2(client: Client) -> None:
    response = client.post("/accounts/signup/", GOOD)
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    person = Person.objects.get()
    assert person.username == "ana"  # folded: the book names people in lowercase
    assert person.person_id == "ana"
    assert person.display_name == "Ana Ruiz"
    assert person.password.startswith("argon2$")
    assert person.check_password(PASSWORD)
    assert client.session[SESSION_KEY] == str(person.pk)
    profile = client.get("/accounts/profile/")
    assert profile.status_code == 200
    assert "Ana Ruiz" in profile.content.decode() and "<code>ana</code>" in profile.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"username": ""}, "username", "This field is required."),
        ({"username": "a"}, "username", "2 to 30 characters"),
        ({"username": "ana ruiz"}, "username", "small letters a–z, digits"),
        ({"username": "9lives"}, "username", "starting with a letter"),
        ({"username": "аna"}, "username", "small letters a–z"),  # Cyrillic а, a confusable
        ({"username": "x" * 31}, "username", "at most 30 characters"),
        ({"display_name": "   "}, "display_name", "This field is required."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"password2": PASSWORD + "x"}, "password2", "didn’t match"),
        ({"password1": "short1", "password2": "short1"}, "password2", "too short"),
        ({"password1": "password123", "password2": "password123"}, "password2", "too common"),
        ({"password1": "4815162342108", "password2": "4815162342108"}, "password2", "numeric"),
        ({"password1": "ana-ruiz-ana", "password2": "ana-ruiz-ana"}, "password2", "similar"),
    ],
)
def test_bad_sign_up_input_is_refused_beside_its_field_and_nothing_is_written(
    client: Client, fast_hashing: None, change: dict[str, str], field: str, message: str
) -> None:
    response = client.post("/accounts/signup/", {**GOOD, **change})
    assert response.status_code == 400
    assert message in field_errors(response.content.decode(), field)
    assert Person.objects.count() == 0
    assert SESSION_KEY not in client.session


def test_a_username_taken_in_any_case_is_refused(
    client: Client, make_person: Callable[..., Person]
) -> None:
    make_person("ana")
    response = client.post("/accounts/signup/", {**GOOD, "username": "ANA"})
    assert response.status_code == 400
    assert "That username is taken; choose another." in field_errors(
        response.content.decode(), "username"
    )
    assert Person.objects.count() == 1


def test_a_signed_in_person_is_sent_from_sign_up_to_their_profile(ana_client: Client) -> None:
    response = ana_client.get("/accounts/signup/")
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"


def test_logging_in_works_with_the_username_in_any_case(
    client: Client, make_person: Callable[..., Person]
) -> None:
    ana = make_person("ana")
    response = client.post("/accounts/login/", {"username": " ANA ", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert client.session[SESSION_KEY] == str(ana.pk)


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        ({"username": "ana", "password": "wrong-password"}, None, "do not match an account"),
        ({"username": "nobody", "password": PASSWORD}, None, "do not match an account"),
        ({"username": "", "password": PASSWORD}, "username", "This field is required."),
        ({"username": "ana", "password": ""}, "password", "This field is required."),
    ],
)
def test_a_bad_log_in_is_refused_with_a_clear_message(
    client: Client,
    make_person: Callable[..., Person],
    data: dict[str, str],
    where: str | None,
    message: str,
) -> None:
    make_person("ana")
    response = client.post("/accounts/login/", data)
    assert response.status_code == 400
    html = response.content.decode()
    if where is None:
        assert 'role="alert"' in html and message in unescape(html)
    else:
        assert message in field_errors(html, where)
    assert SESSION_KEY not in client.session


def test_an_inactive_person_cannot_log_in(
    client: Client, make_person: Callable[..., Person]
) -> None:
    make_person("ana", is_active=False)
    response = client.post("/accounts/login/", {"username": "ana", "password": PASSWORD})
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_the_log_in_throttle_seam_is_asked_and_its_refusal_shown(
    client: Client, make_person: Callable[..., Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_person("ana")
    failed: list[tuple[str, str | None]] = []

    def refuse(*, username: str, address: str | None) -> None:
        raise throttle.LoginThrottled(wait_seconds=300)

    monkeypatch.setattr(throttle, "login_failed", lambda **kw: failed.append(tuple(kw.values())))
    response = client.post("/accounts/login/", {"username": "ana", "password": "wrong-pass"})
    assert response.status_code == 400
    assert failed == [("ana", "127.0.0.1")]
    monkeypatch.setattr(throttle, "login_permitted", refuse)
    response = client.post("/accounts/login/", {"username": "ana", "password": PASSWORD})
    assert response.status_code == 400
    assert "Too many failed log-ins. Wait 5 minutes" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_logging_out_takes_a_post_and_ends_the_session(ana_client: Client) -> None:
    assert ana_client.get("/accounts/logout/").status_code == 405
    assert SESSION_KEY in ana_client.session
    response = ana_client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert SESSION_KEY not in ana_client.session
    assert ana_client.get("/accounts/profile/").status_code == 302


def test_the_profile_asks_an_anonymous_visitor_to_log_in(client: Client) -> None:
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_a_display_name_with_markup_is_shown_as_text(
    client: Client, make_person: Callable[..., Person]
) -> None:
    client.force_login(make_person("eve", display_name='<script>alert("x")</script>'))
    html = client.get("/accounts/profile/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


class TestCsrf:
    """Every form needs its CSRF token; without it the answer is 403 and nothing happens."""

    def test_a_sign_up_without_the_token_is_refused_and_writes_nothing(self) -> None:
        client = Client(enforce_csrf_checks=True)
        response = client.post("/accounts/signup/", GOOD)
        assert response.status_code == 403
        assert "Form not accepted" in response.content.decode()
        assert Person.objects.count() == 0

    def test_a_sign_up_with_the_token_from_the_page_is_accepted(self, fast_hashing: None) -> None:
        client = Client(enforce_csrf_checks=True)
        page = client.get("/accounts/signup/").content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        response = client.post("/accounts/signup/", {**GOOD, "csrfmiddlewaretoken": token.group(1)})
        assert response.status_code == 302
        assert Person.objects.filter(username="ana").exists()

    def test_a_log_in_without_the_token_is_refused(
        self, make_person: Callable[..., Person]
    ) -> None:
        make_person("ana")
        client = Client(enforce_csrf_checks=True)
        response = client.post("/accounts/login/", {"username": "ana", "password": PASSWORD})
        assert response.status_code == 403
        assert SESSION_KEY not in client.session

    def test_a_log_out_without_the_token_is_refused_and_the_session_stays(
        self, make_person: Callable[..., Person]
    ) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(make_person("ana"))
        assert client.post("/accounts/logout/").status_code == 403
        assert SESSION_KEY in client.session


def test_the_manager_folds_usernames_and_refuses_bad_ones(fast_hashing: None) -> None:
    from django.core.exceptions import ValidationError

    assert Person.objects.create_user("Bo", PASSWORD, display_name="Bo").username == "bo"
    admin = Person.objects.create_superuser("root", PASSWORD, display_name="Operator")
    assert admin.is_staff and admin.is_superuser
    with pytest.raises(ValidationError, match="small letters"):
        Person.objects.create_user("no spaces", PASSWORD, display_name="X")
