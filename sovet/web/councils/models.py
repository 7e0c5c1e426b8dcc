"""The tables a council's pages and secret ballots need beyond its book.

Kept minimal on purpose. The book is the source of truth and the pages read a council from its
`CouncilState` (`selectors.council_state`), the same data the rules see. Tables exist only for
what the state cannot answer:

- `Membership`: a person's standing in each council, so one query finds "my councils" and a
  page can check a standing across councils. A projection of the books (`projector.project`).
- `VoterRoll`, `BallotBoxEntry`, `SealedBallot`: a secret ballot (DESIGN.md, guarantee 3).
  The roll says who voted, never what; the box says what was voted, never who or when: no
  person, no time, and a random primary key, so no id reveals the order of casting. Both are
  written in one transaction per vote. At the close the box rows are deleted and the sealed
  list (the box rewritten in a random order) is kept as `SealedBallot` rows, whose Merkle root
  is in the book.

Every table carries its council, the distribution column of a sharded PostgreSQL.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from sovet.web.books.models import Council

BALLOT_OF = (("motion", _("motion")), ("election", _("election")))


class Membership(models.Model):
    """A person's standing in one council, projected from its book.

    `status` is the core's (`applicant`, `member`, `left`, `expelled`, `refused`) or `founding`
    for a founder of a council whose founding is not complete yet. `person` is the username
    (the `PersonId` of the books), so the projection can be rebuilt from books alone.
    """

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="memberships")
    person = models.CharField(_("person"), max_length=30, db_index=True)
    status = models.CharField(_("status"), max_length=20)
    since = models.DateTimeField(_("since"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = (
            models.UniqueConstraint(fields=("council", "person"), name="membership_one_each"),
        )

    def __str__(self) -> str:
        return f"{self.person} in {self.council_id}: {self.status}"


class VoterRoll(models.Model):
    """Who has voted on a secret ballot: one row per voter, never what they voted."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    of = models.CharField(_("ballot of"), max_length=10, choices=BALLOT_OF)
    ballot = models.PositiveIntegerField(_("ballot"))
    person = models.CharField(_("person"), max_length=30)

    class Meta:
        verbose_name = _("voter roll entry")
        verbose_name_plural = _("voter roll")
        constraints = (
            models.UniqueConstraint(fields=("council", "of", "ballot", "person"),
                                    name="roll_one_vote_each"),
        )


def random_id() -> str:
    """A random 128-bit id (hex), so no key tells the order in which ballots were cast."""
    return secrets.token_hex(16)


class BallotBoxEntry(models.Model):
    """One ballot in an open secret ballot's box: what was voted. No person, no time."""

    id = models.CharField(primary_key=True, max_length=32, default=random_id, editable=False)
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    of = models.CharField(_("ballot of"), max_length=10, choices=BALLOT_OF)
    ballot = models.PositiveIntegerField(_("ballot"))
    content = models.TextField(_("content"))  # the ballot as canonical JSON

    class Meta:
        verbose_name = _("ballot box entry")
        verbose_name_plural = _("ballot box")
        indexes = (models.Index(fields=("council", "of", "ballot"), name="box_by_ballot"),)


class SealedBallot(models.Model):
    """One ballot of a closed secret ballot's sealed list, at its place in the sealed order.

    `content` is the ballot's canonical bytes as the core sealed them, so the Merkle root of the
    rows in `position` order is the root in the book's `ballot.sealed` act.
    """

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    of = models.CharField(_("ballot of"), max_length=10, choices=BALLOT_OF)
    ballot = models.PositiveIntegerField(_("ballot"))
    position = models.PositiveIntegerField(_("position"))
    content = models.BinaryField(_("content"))

    class Meta:
        verbose_name = _("sealed ballot")
        verbose_name_plural = _("sealed ballots")
        ordering = ("council", "of", "ballot", "position")
        constraints = (
            models.UniqueConstraint(fields=("council", "of", "ballot", "position"),
                                    name="sealed_one_per_place"),
        )


class NamedVote(models.Model):
    """A named vote (an open ballot's, or a seated delegate's) queued for the book's writer.

    A named vote is an act in the book. Appending one act per vote, each in its own transaction
    behind the council's lock, caps a council at a few hundred votes a second; so a vote is
    queued here (without the lock) whenever another writer may be at work, and the council's
    next writer appends every queued vote in one batch (group commit) and deletes the rows it
    appended. A vote the rules refuse at that point keeps its row, with the
    refusal, for its voter to read. The voter's request answers only once its vote is in the
    book (`services._await_named`).
    """

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    of = models.CharField(_("ballot of"), max_length=10, choices=BALLOT_OF)
    ballot = models.PositiveIntegerField(_("ballot"))
    person = models.CharField(_("person"), max_length=30)
    content = models.TextField(_("content"))  # the choice or ranking as JSON
    at = models.DateTimeField(_("cast at"))
    refused = models.CharField(_("refused with"), max_length=64, blank=True)
    detail = models.TextField(_("why refused"), blank=True)

    class Meta:
        verbose_name = _("queued named vote")
        verbose_name_plural = _("queued named votes")
        indexes = (models.Index(fields=("council", "id"), name="named_vote_queue"),)
