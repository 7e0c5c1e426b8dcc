"""Fixtures of the web tests: people, and councils whose books hold real core acts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from councilcast import World, build
from django.test import Client
from webcast import PASSWORD, append, founding_acts

from sovet.web.accounts.models import Person
from sovet.web.books.models import Council
from sovet.web.councils.selectors import council_state_forget


@pytest.fixture
def fast_hashing(settings: Any) -> None:
    """Hash passwords quickly in tests that are not about hashing (Argon2 costs ~0.1 s)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_person(db: None, fast_hashing: None) -> Callable[..., Person]:
    """Make a person who can log in with `PASSWORD`."""

    def make(username: str = "ana", display_name: str = "Ana Ruiz", **extra: object) -> Person:
        return Person.objects.create_user(username, PASSWORD, display_name=display_name, **extra)

    return make


@pytest.fixture
def ana_client(make_person: Callable[..., Person]) -> Client:
    """A client logged in as ana."""
    client = Client()
    client.force_login(make_person("ana"))
    return client


@pytest.fixture
def founded(db: None) -> Council:
    """The council `bakers`, whose book holds its founding by ana, bo and cy."""
    council = Council.objects.create(slug="bakers", name="Bakers' council")
    append(council.pk, founding_acts())
    council.refresh_from_db()
    return council


@pytest.fixture(autouse=True)
def _cold_cache() -> Iterator[None]:
    # Test databases reuse primary keys; a cold state cache per test keeps tests independent
    # (the cache's own hash check is tested in test_web_councils.py).
    council_state_forget()
    yield
    council_state_forget()


@pytest.fixture
def world(make_person: Callable[..., Person]) -> World:
    """councilcast's world, built through the services."""
    return build(make_person)
