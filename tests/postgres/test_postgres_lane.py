"""The PostgreSQL lane (`scripts/postgres-lane`) really runs the Django tests on PostgreSQL."""

from __future__ import annotations

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_is_the_one_the_lane_promised() -> None:
    """The tests run on PostgreSQL 15+ when the lane says so, and on SQLite by default.

    `scripts/postgres-lane` sets SOVET_EXPECT_POSTGRES=1; if its DATABASE_URL were ignored,
    the Django tests would silently run on SQLite again and the lane would prove nothing.
    """
    if os.environ.get("SOVET_EXPECT_POSTGRES", "").strip() == "1":
        assert connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version_num')::int")
            row = cursor.fetchone()
        assert row is not None and row[0] >= 150000
    elif not os.environ.get("DATABASE_URL", "").strip():
        assert connection.vendor == "sqlite"
