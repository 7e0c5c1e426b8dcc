"""Benchmark the JSON API's vote endpoint on SQLite (issue 5, API). Prints figures; asserts
nothing.

The council of bench/web.py (10,000 members, 1,000 motions, 5 open-ballot resolutions and 5
secret expulsion ballots open now), built the same way in a throwaway data folder. Then,
through Django's test client (the whole request: middleware, token check, ninja's parsing,
the service, the JSON answer), each of --votes members casts one vote with a personal access
token, `POST /api/v1/councils/big/motions/{n}/vote`, on an open ballot (a `VoteCast` act in
the book) and on a secret ballot (roll row + box row); and, beside it, the same number of
votes through the service alone (`motion_vote`), so the API's own cost shows.

    .venv/bin/python bench/api.py                 # 10,000 members
    .venv/bin/python bench/api.py --members 2000  # quicker
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--motions", type=int, default=1_000)
    parser.add_argument("--votes", type=int, default=200, help="voters per ballot kind")
    args = parser.parse_args()

    from web import figures, site  # bench/web.py: the same council

    council, open_motions, secret_motions = site("api", args.members, args.motions)

    from django.test import Client

    from sovet.api.tokens import token_create
    from sovet.web.accounts.models import Person
    from sovet.web.councils.services import motion_vote

    people = list(Person.objects.filter(username__startswith="p").order_by("username")
                  [1: 1 + 2 * args.votes])
    api_voters, service_voters = people[: args.votes], people[args.votes:]
    tokens = {p.username: token_create(person=p, name="bench")[1] for p in api_voters}
    client = Client()
    client.get("/api/v1/councils/big/book/head")  # the first request builds the API once
    for kind, motions in (("open", open_motions), ("secret", secret_motions)):
        samples = []
        for i, person in enumerate(api_voters):
            url = f"/api/v1/councils/big/motions/{motions[i % len(motions)]}/vote"
            start = time.perf_counter()
            response = client.post(url, b'{"choice": "yes"}', content_type="application/json",
                                   headers={"Authorization": f"Bearer {tokens[person.username]}"})
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code, response.content)
        figures(f"API vote ({kind} ballot)", samples, 20)
        samples = []
        for i, person in enumerate(service_voters):
            start = time.perf_counter()
            motion_vote(person=person, council_id=council.pk,
                        motion_id=motions[i % len(motions)], choice="yes")
            samples.append(time.perf_counter() - start)
        figures(f"service alone ({kind} ballot)", samples)


if __name__ == "__main__":
    main()
