"""Personal access tokens: made and revoked on the profile page, shown once, stored hashed,
compared in constant time; a revoked token is refused with 401 at once."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from typing import Any

import pytest
from apicast import Api, body
from django.test import Client

from sovet.api import tokens
from sovet.api.models import Token
from sovet.api.tokens import token_create, token_person, token_revoke
from sovet.core.errors import BadCommand
from sovet.web.accounts.models import Person

TOKEN_RE = re.compile(r"sovet_[A-Za-z0-9_-]{43}")


@pytest.mark.django_db
def test_a_token_is_stored_only_as_its_sha256_and_names_its_person(
        make_person: Callable[..., Person]) -> None:
    ana = make_person("ana")
    token, plaintext = token_create(person=ana, name="laptop script")
    assert TOKEN_RE.fullmatch(plaintext)
    row = Token.objects.get(pk=token.pk)
    assert row.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    assert row.prefix == plaintext[len("sovet_"):][:8]
    # The plaintext is in no column of the row.
    assert all(plaintext not in str(getattr(row, f.attname)) for f in Token._meta.fields)
    assert token_person(plaintext) == ana
    assert token_person(plaintext + "x") is None
    assert token_person("not-a-token") is None


@pytest.mark.django_db
def test_tokens_are_compared_in_constant_time(make_person: Callable[..., Person],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ana = make_person("ana")
    _token, plaintext = token_create(person=ana, name="x")
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return bool(real(a, b))

    monkeypatch.setattr("hmac.compare_digest", spy)
    assert token_person(plaintext) == ana
    digest = hashlib.sha256(plaintext.encode()).hexdigest()
    assert compared == [(digest, digest)]


@pytest.mark.django_db
def test_a_revoked_token_is_refused_at_once_with_401(
        make_person: Callable[..., Person], founded: Any) -> None:
    ana = make_person("ana")
    token, plaintext = token_create(person=ana, name="phone")
    api = Api(plaintext)
    assert api.get("/me").status_code == 200
    token_revoke(person=ana, token_id=token.pk)
    answer = api.get("/me")
    assert answer.status_code == 401
    assert body(answer)["error"] == "unauthenticated"
    assert "revoked" in body(answer)["detail"]
    # Revoked is refused on an act too, and not answered through another way in.
    answer = api.post("/councils/bakers/apply", {})
    assert answer.status_code == 401


@pytest.mark.django_db
def test_a_person_cannot_revoke_another_persons_token(make_person: Callable[..., Person]) -> None:
    ana, bo = make_person("ana"), make_person("bo", "Bo")
    token, plaintext = token_create(person=ana, name="x")
    with pytest.raises(tokens.NoSuchToken, match="you have no token"):
        token_revoke(person=bo, token_id=token.pk)
    assert token_person(plaintext) == ana


@pytest.mark.django_db
def test_an_inactive_persons_token_is_refused(make_person: Callable[..., Person]) -> None:
    ana = make_person("ana")
    _token, plaintext = token_create(person=ana, name="x")
    ana.is_active = False
    ana.save()
    assert token_person(plaintext) is None


def _last_used(token: Token) -> Any:
    return Token.objects.get(pk=token.pk).last_used


@pytest.mark.parametrize("in_transaction", [True, False], ids=["in a transaction", "outside"])
@pytest.mark.django_db(transaction=True)
def test_a_token_notes_when_it_was_used_at_most_once_a_minute(
        make_person: Callable[..., Person], in_transaction: bool) -> None:
    """Outside a transaction on PostgreSQL the note goes with the token's check, in one round
    trip that does not wait for the disk; inside one (or on SQLite) it is a write of its own."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    ana, bo = make_person("ana"), make_person("bo", "Bo")
    token, plaintext = token_create(person=ana, name="x")
    revoked, revoked_plain = token_create(person=bo, name="old")
    token_revoke(person=bo, token_id=revoked.pk)

    def check(plain: str) -> tuple[Person | None, list[str]]:
        with CaptureQueriesContext(connection) as sent:
            if in_transaction:
                with transaction.atomic():
                    person = token_person(plain)
            else:
                person = token_person(plain)
        # A hot statement is prepared on a connection's first use of it, in a round trip of
        # its own; the others are the check's.
        return person, [q["sql"] for q in sent.captured_queries
                        if not q["sql"].startswith("PREPARE")]

    assert _last_used(token) is None
    before = timezone.now()
    person, sent = check(plaintext)
    assert person == ana and before <= _last_used(token) <= timezone.now()
    if connection.vendor == "postgresql" and not in_transaction:  # one round trip
        assert len(sent) == 1 and "synchronous_commit = off" in sent[0]
    # Within the minute: not written again.
    first = _last_used(token)
    assert check(plaintext)[0] == ana and _last_used(token) == first
    # A minute later it is.
    Token.objects.filter(pk=token.pk).update(last_used=first - tokens.LAST_USED_STEP)
    assert check(plaintext)[0] == ana and _last_used(token) > first
    # A revoked token is refused and not noted.
    assert check(revoked_plain)[0] is None and _last_used(revoked) is None


@pytest.mark.django_db
def test_a_token_needs_a_name(make_person: Callable[..., Person]) -> None:
    with pytest.raises(BadCommand, match="needs a name"):
        token_create(person=make_person("ana"), name="  ")
    with pytest.raises(BadCommand, match="at most 100"):
        token_create(person=make_person("bo", "Bo"), name="x" * 101)


# The profile page ------------------------------------------------------------------------------


def _csrf_client(person: Person) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    return client


def _csrf(client: Client) -> str:
    page = client.get("/accounts/profile/")
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert found is not None
    return found.group(1)


@pytest.mark.django_db
def test_the_profile_makes_a_token_shows_it_once_lists_it_and_revokes_it(
        make_person: Callable[..., Person]) -> None:
    ana = make_person("ana")
    client = _csrf_client(ana)
    csrf = _csrf(client)
    made = client.post("/accounts/profile/tokens/", {"name": "laptop <script>",
                                                     "csrfmiddlewaretoken": csrf})
    assert made.status_code == 200
    assert made["Cache-Control"] == "no-store"
    html = made.content.decode()
    shown = TOKEN_RE.findall(html)
    assert len(set(shown)) == 1
    plaintext = shown[0]
    assert "shown only this once" in html
    assert "laptop &lt;script&gt;" in html and "laptop <script>" not in html
    # Shown once: the profile never shows it again, only its name and first characters.
    again = client.get("/accounts/profile/").content.decode()
    assert plaintext not in again and TOKEN_RE.search(again) is None
    assert plaintext[6:14] in again and "never used" in again
    assert Api(plaintext).get("/me").status_code == 200
    assert "last used" in client.get("/accounts/profile/").content.decode()
    token = Token.objects.get(person=ana)
    revoked = client.post(f"/accounts/profile/tokens/{token.pk}/revoke/",
                          {"csrfmiddlewaretoken": csrf})
    assert revoked.status_code == 302
    assert Api(plaintext).get("/me").status_code == 401
    assert "You have no token." in client.get("/accounts/profile/").content.decode()


@pytest.mark.django_db
def test_the_profile_refuses_a_token_without_csrf_or_name_and_needs_a_login(
        make_person: Callable[..., Person]) -> None:
    ana = make_person("ana")
    client = _csrf_client(ana)
    assert client.post("/accounts/profile/tokens/", {"name": "x"}).status_code == 403
    blank = client.post("/accounts/profile/tokens/", {"name": " ",
                                                      "csrfmiddlewaretoken": _csrf(client)})
    assert blank.status_code == 400
    assert "Give the token a name." in blank.content.decode()
    assert not Token.objects.exists()
    anonymous = Client().post("/accounts/profile/tokens/", {"name": "x"})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    other = make_person("bo", "Bo")
    token, _p = token_create(person=other, name="bo's")
    assert client.post(f"/accounts/profile/tokens/{token.pk}/revoke/",
                       {"csrfmiddlewaretoken": _csrf(client)}).status_code == 404
    assert Token.objects.get(pk=token.pk).revoked_at is None
