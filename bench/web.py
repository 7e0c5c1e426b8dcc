"""Benchmark the council web app on SQLite (issue 4, "Fast"). Prints figures; asserts nothing.

A council of 10,000 members and 1,000 motions: the members found it together (one founding of
10,000, through the core's rules), 990 resolutions were moved, seconded, voted on by a few
and closed a month ago, and 10 motions are open now (5 open-ballot resolutions, 5 secret
expulsion ballots). The book is built through the core's rules and appended with the books'
service (`book_append`) and projected with the projector, in a throwaway data folder; then,
through Django's test client (the whole request: middleware, session, view, template):

- the council page and a motion page: median and p95 over --pages requests each;
- casting a vote through the vote page (POST; the redirect is not followed), on an open
  ballot (a `VoteCast` act in the book) and on a secret ballot (roll row + box row): median
  and p95 over --votes voters each;
- `decide` on the 10,000-member state, and the copy it makes, against a full clone of the
  state (what `CouncilState.copy` cost before it became copy-on-write).

Targets: pages < 50 ms median, casting a vote < 20 ms median.

    .venv/bin/python bench/web.py                 # 10,000 members, 1,000 motions
    .venv/bin/python bench/web.py --members 2000  # quicker
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def figures(name: str, samples: list[float], target_ms: float | None = None) -> None:
    """Print the median and p95 of samples (seconds) in milliseconds, and the target's verdict."""
    ms = sorted(s * 1000 for s in samples)
    median = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    verdict = ""
    if target_ms is not None:
        met = "met" if median < target_ms else "NOT met"
        verdict = f"  target < {target_ms:g} ms median: {met}"
    print(f"{name:<34} median {median:7.2f} ms   p95 {p95:7.2f} ms   (n={len(ms)}){verdict}")


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--motions", type=int, default=1_000)
    parser.add_argument("--pages", type=int, default=60, help="requests per page measured")
    parser.add_argument("--votes", type=int, default=200, help="voters per ballot kind")
    parser.add_argument("--full-copy", action="store_true",
                        help="measure with the copy before copy-on-write (a full clone), to "
                             "compare")
    args = parser.parse_args()

    council, open_motions, secret_motions = site("web", args.members, args.motions)
    if args.full_copy:
        use_full_copy()  # after building: a full clone per decision makes building quadratic

    from django.test import Client

    from sovet.web.accounts.models import Person

    reader = Client()
    reader.force_login(Person.objects.get(username="p00000"))
    slug = council.slug
    for url in (f"/councils/{slug}/", f"/councils/{slug}/motions/1/"):
        response = reader.get(url)
        assert response.status_code == 200, (url, response.status_code)
    figures("council page", [timed(lambda: reader.get(f"/councils/{slug}/"))
                             for _ in range(args.pages)], 50)
    closed = args.motions - 10
    urls = [f"/councils/{slug}/motions/{1 + (i * 37) % closed}/" for i in range(args.pages)]
    figures("motion page (closed motion)", [timed(partial(reader.get, u)) for u in urls], 50)
    figures("motion page (open ballot)", [
        timed(lambda: reader.get(f"/councils/{slug}/motions/{open_motions[0]}/"))
        for _ in range(args.pages)], 50)

    voters = list(Person.objects.filter(username__startswith="p").order_by("username")
                  [1: 1 + args.votes])
    # One client for every voter: a new test client builds the middleware again (WhiteNoise
    # then rescans the static files), which a running server does once, not per request.
    client = Client()
    for kind, motions in (("open", open_motions), ("secret", secret_motions)):
        samples = []
        for i, person in enumerate(voters):
            client.force_login(person)
            url = f"/councils/{slug}/motions/{motions[i % len(motions)]}/vote/"
            start = time.perf_counter()
            response = client.post(url, {"choice": "yes"})
            samples.append(time.perf_counter() - start)
            assert response.status_code == 302, (url, response.status_code,
                                                  response.content[:300])
        figures(f"cast a vote ({kind} ballot)", samples, 20)

    core_figures(council)


def use_full_copy() -> None:
    """Make `CouncilState.copy` the full clone it was before copy-on-write (for comparison)."""
    import copy

    from sovet.core.council import CouncilState

    def full_copy(self: CouncilState) -> CouncilState:
        c = copy.copy(self)
        for name in ("confirmed", "children"):
            setattr(c, name, set(getattr(self, name)))
        for name in ("attended", "delegates", "witnessed"):
            setattr(c, name, dict(getattr(self, name)))
        for name in ("resolutions", "instructions"):
            setattr(c, name, list(getattr(self, name)))
        for name in ("members", "declarations", "actions", "motions", "elections", "offices",
                     "petitions", "parties"):
            setattr(c, name, {k: v.clone() for k, v in getattr(self, name).items()})
        return c

    CouncilState.copy = full_copy  # type: ignore[method-assign]
    print("(measuring with the full-clone copy of before)")


def core_figures(council: Any) -> None:
    """`decide` and its copy on the big state, against the full clone the copy used to be."""
    from django.utils import timezone

    from sovet.core.ballot import VoteCast
    from sovet.core.council import CouncilState, decide
    from sovet.web.councils.selectors import council_state

    state = council_state(council)

    def full_clone(s: CouncilState) -> None:
        c = {k: v.clone() for k, v in s.members.items()}
        c2 = {k: v.clone() for k, v in s.motions.items()}
        del c, c2

    figures("state.copy() + settle()", [timed(lambda: state.copy().settle()) for _ in range(50)])
    figures("full clone (the copy before)", [timed(lambda: full_clone(state)) for _ in range(20)])
    motion = next(n for n, m in state.motions.items() if m.status == "open" and not m.secret)
    act = VoteCast(motion=motion, by="p09999", choice="yes", at=timezone.now())
    figures("decide(state, VoteCast)", [timed(lambda: decide(state, act)) for _ in range(50)])


def site(name: str, members: int, motions: int) -> tuple[Any, list[int], list[int]]:
    """Set Django up on a throwaway SQLite database and build the council (`build`) in it."""
    data = tempfile.mkdtemp(prefix=f"sovet-bench-{name}-")
    atexit.register(shutil.rmtree, data, ignore_errors=True)  # a throwaway database
    os.environ["SOVET_DATA"] = data
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sovet.web.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    from sovet import serve as web

    web.migrate(verbosity=0)
    t = time.perf_counter()
    built = build(members, motions)
    print(f"built a council of {members:,} members and {motions:,} motions "
          f"({built[0].head_seq:,} acts) in {time.perf_counter() - t:.1f} s (SQLite, deleted "
          f"after)")
    return built


def build(members: int, motions: int) -> tuple[Any, list[int], list[int]]:
    """The council, through the core's rules, appended by the books' service and projected."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from sovet.core import ballot, founding
    from sovet.core import motion as core_motion
    from sovet.core.acts import Act
    from sovet.core.charter import Charter
    from sovet.core.council import CouncilState
    from sovet.web.accounts.models import Person
    from sovet.web.books.models import Council
    from sovet.web.books.services import book_append, council_lock
    from sovet.web.councils.projector import project
    from sovet.web.councils.selectors import council_state_store

    now = timezone.now()
    start = now - timedelta(days=60)
    people = [f"p{i:05d}" for i in range(members)]
    acts: list[Act] = []
    state = CouncilState()

    def do(decision: Any) -> None:
        nonlocal state
        acts.extend(decision.acts)
        state = decision.state

    do(founding.propose_founding(state, council="big", name="A council of ten thousand",
                                 founders=tuple(people), by=people[0], at=start,
                                 charter=Charter()))
    for i, p in enumerate(people[1:], 1):
        do(founding.confirm_founding(state, by=p, at=start + timedelta(seconds=i)))
    closed = motions - 10
    t = start + timedelta(days=1)
    for i in range(closed):
        at = t + timedelta(minutes=i)
        do(core_motion.move(state, kind="resolution", by=people[i % members], at=at,
                            text=f"Resolution {i + 1}: the canteen opens at {6 + i % 4} am."))
        number = max(state.motions)
        do(core_motion.second(state, motion=number, by=people[(i + 1) % members], at=at))
        for k in range(3):
            do(ballot.vote(state, motion=number, by=people[(i + 2 + k) % members],
                           choice="yes", at=at + timedelta(minutes=1)))
    for i in range(closed):
        m = state.motions[i + 1]
        assert m.closes is not None
        do(core_motion.close(state, motion=i + 1, at=m.closes))
    open_motions, secret_motions = [], []
    for i in range(10):
        at = now - timedelta(hours=1) + timedelta(minutes=i)
        if i % 2 == 0:
            do(core_motion.move(state, kind="resolution", by=people[i], at=at,
                                text=f"Open resolution {i}"))
            open_motions.append(max(state.motions))
        else:
            do(core_motion.move(state, kind="expulsion", by=people[i], at=at,
                                subject=people[members - 1 - i], text="Crossed the picket"))
            secret_motions.append(max(state.motions))
        do(core_motion.second(state, motion=max(state.motions), by=people[i + 1], at=at))

    hashed = make_password("bench-password-not-secret")
    Person.objects.bulk_create(
        [Person(username=p, display_name=f"Person {p[1:]}", password=hashed) for p in people],
        batch_size=2000)
    with transaction.atomic():
        council = Council.objects.create(slug="big", name="A council of ten thousand")
        council = council_lock(council.pk)
        entries = book_append(council, acts)
        council_state_store(council, state)
        project(council, entries)
    return council, open_motions, secret_motions


if __name__ == "__main__":
    main()
