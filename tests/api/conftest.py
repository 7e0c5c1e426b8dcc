"""Fixtures of the API tests: the web tests' people and worlds, tokens, and a JSON client.

The web tests' fixtures (tests/web/conftest.py) are loaded under another module name and
re-exported here, so both folders share one cast and one world.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

WEB = Path(__file__).resolve().parents[1] / "web"
if str(WEB) not in sys.path:
    sys.path.insert(0, str(WEB))


def _load_web_fixtures() -> Any:
    spec = importlib.util.spec_from_file_location("sovet_web_test_fixtures", WEB / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_web = _load_web_fixtures()
fast_hashing = _web.fast_hashing
make_person = _web.make_person
ana_client = _web.ana_client
founded = _web.founded
_cold_cache = _web._cold_cache
world = _web.world

# Re-exported for test files that still import them from here; new ones use apicast.
from apicast import API, Api, body  # noqa: E402

from sovet.api.tokens import token_create  # noqa: E402 (after Django is set up by the root)
from sovet.web.accounts.models import Person  # noqa: E402

__all__ = ["API", "Api", "body"]


@pytest.fixture
def token_for(db: None) -> Callable[[Person], str]:
    """Make a token for a person; returns the plaintext."""

    def make(person: Person, name: str = "test") -> str:
        return token_create(person=person, name=name)[1]

    return make


@pytest.fixture
def api_as(token_for: Callable[[Person], str]) -> Callable[[Person | None], Api]:
    """An `Api` client with a fresh token for the person, or anonymous for None."""

    def make(person: Person | None) -> Api:
        return Api(token_for(person) if person is not None else None)

    return make
