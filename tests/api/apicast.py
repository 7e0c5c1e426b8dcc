"""The API tests' client: JSON to /api/v1/, with a personal access token or none.

A module of its own (not conftest.py), so test files import it by a name no other test
folder uses: tests/web and tests/api run in one pytest process in the PostgreSQL lane.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.test import Client

API = "/api/v1"


class Api:
    """A test client speaking JSON to /api/v1/, with a token or none."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **extra: Any) -> Any:
        """GET a path under /api/v1."""
        return self.client.get(API + path, headers=self._headers(), **extra)

    def post(self, path: str, body: object = None, **extra: Any) -> Any:
        """POST JSON (or nothing) to a path under /api/v1."""
        data = b"" if body is None else orjson.dumps(body)
        return self.client.post(API + path, data=data, content_type="application/json",
                                headers=self._headers(), **extra)


def body(response: Any) -> Any:
    """The JSON of an answer."""
    return orjson.loads(response.content)


def hal_admission(world: Any, api_as: Any) -> int:
    """hal applies to the bakers and ana and bo sponsor him, through the API: his admission
    goes to a secret vote, whose motion number this returns."""
    from sovet.web.councils.selectors import council_state

    assert api_as(world["hal"]).post("/councils/bakers/apply", {}).status_code == 200
    for who in ("ana", "bo"):
        assert api_as(world[who]).post("/councils/bakers/applicants/hal/sponsor").status_code \
            == 200
    admission = council_state(world.fresh()).members["hal"].motion
    assert admission is not None
    return int(admission)
