"""The web tests' fixed cast: founding acts from the core, a fixed time, a password."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction

import sovet.core  # noqa: F401 (registers every act kind)
from sovet.core.acts import Act as CoreAct
from sovet.core.council import CouncilState, replay
from sovet.core.founding import confirm_founding, propose_founding
from sovet.core.membership import apply_for
from sovet.web.books.services import book_append, council_lock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "cinder-lathe-9-orchard"


def founding_acts(slug: str = "bakers", name: str = "Bakers' council") -> list[CoreAct]:
    """The acts that found a council with ana, bo and cy, through the core's own rules."""
    d = propose_founding(
        CouncilState(), council=slug, name=name, founders=("ana", "bo", "cy"), by="ana", at=T0
    )
    acts = list(d.acts)
    for i, who in enumerate(("bo", "cy"), 1):
        d = confirm_founding(d.state, by=who, at=T0 + timedelta(hours=i))
        acts.extend(d.acts)
    return acts


def application_acts() -> list[CoreAct]:
    """The acts of dan applying to the founded council, after its founding."""
    state = replay(founding_acts())
    return list(apply_for(state, person="dan", at=T0 + timedelta(days=7)).acts)


def append(council_id: int, acts: list[CoreAct]) -> None:
    """Append acts to a council's book the way a service does: lock, append, commit."""
    with transaction.atomic():
        council = council_lock(council_id)
        book_append(council, acts)
