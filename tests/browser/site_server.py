"""The site the browser tests drive: `python tests/browser/site_server.py DATA_DIR`.

Run in its own process, exactly as `sovet serve` runs: waitress over the SQLite file in
`DATA_DIR` (WAL journal, IMMEDIATE write transactions, as the settings make them), migrated,
with the council `bakers` founded through the core's acts (tests/web/webcast.py). It prints
one line, `serving URL HEAD_HASH ACTS JOURNAL_MODE`, and serves until it is terminated.

The tests read `bakers` and never write to it (its head is their oracle); a test that must
write acts signs up its own people and founds or uses a council of its own. The journeys'
councils and people are seeded too (tests/browser/journey_world.py), and the site's clock is
the real time plus an offset the tests may move on (tests/browser/site_clock.py), so that a
voting window can end during a test: a setting of this process only, never of `sovet serve`.

A process of its own keeps the browser tests away from pytest-django's in-memory test
database, which is neither WAL nor safe for a threaded server's own connections.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

# The site reads only what is given here: never a developer's database, key or flags.
_ENVIRONMENT = (
    "DATABASE_URL",
    "SOVET_SECRET_KEY",
    "SOVET_DEBUG",
    "SOVET_HTTPS",
    "SOVET_TRUSTED_PROXY",
    "SOVET_HSTS_PRELOAD",
    "SOVET_ALLOWED_HOSTS",
    "SOVET_CSRF_TRUSTED_ORIGINS",
    "SOVET_STATIC_ROOT",
)

COUNCIL_SLUG = "bakers"
COUNCIL_NAME = "Bakers' council"


def main(data: Path) -> None:
    """Migrate and seed the database in `data`, then serve it on a free loopback port."""
    for name in _ENVIRONMENT:
        os.environ.pop(name, None)
    os.environ["SOVET_DATA"] = str(data)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sovet.web.settings"
    sys.path.insert(0, str(ROOT / "tests" / "web"))

    from sovet.serve import make_server, migrate, setup

    setup()
    # The tests' clock (tests/browser/site_clock.py): real time plus what the journeys add.
    from site_clock import CLOCK_FILE, install

    install(data / CLOCK_FILE)
    migrate(verbosity=0)

    from webcast import append, founding_acts

    from sovet.web.books.models import Council

    council = Council.objects.create(slug=COUNCIL_SLUG, name=COUNCIL_NAME)
    append(council.pk, founding_acts(COUNCIL_SLUG, COUNCIL_NAME))
    council.refresh_from_db()
    from journey_world import seed

    seed()  # the councils the journeys act in (tests/browser/journey_world.py)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        (journal,) = cursor.fetchone()

    server = make_server("127.0.0.1", 0, threads=4)
    print(
        f"serving http://127.0.0.1:{server.effective_port}/ {council.head_hash} "
        f"{council.head_seq} {journal}",
        flush=True,
    )
    try:
        server.run()
    finally:
        server.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/browser/site_server.py DATA_DIR")
    main(Path(sys.argv[1]))
