"""A council and its book, as tables.

Every table carries its council (`council_id`), the distribution column of a sharded
PostgreSQL. The book's rows are the source of truth; other council tables are a projection of
them and can be rebuilt from them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sovet.core.book import GENESIS


class Council(models.Model):
    """A council on this server: its id in the core (`slug`), its name and its book's head.

    `head_seq` and `head_hash` are the last act's seq and hash (0 and the genesis hash for an
    empty book). Appending locks this row (`council_lock`), so one council's appends queue
    while other councils' proceed.
    """

    slug = models.SlugField(
        _("council id"),
        max_length=64,
        unique=True,
        help_text=_("The council's id in its book and in its address."),
    )
    name = models.CharField(_("name"), max_length=200)
    head_seq = models.PositiveBigIntegerField(_("acts in the book"), default=0)
    head_hash = models.CharField(_("head hash"), max_length=64, default=GENESIS)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("council")
        verbose_name_plural = _("councils")
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class Act(models.Model):
    """One act of a council's book, stored exactly as `sovet.core.book` encodes it.

    `body` is the canonical JSON body B (with its seq), `hash` = SHA-256(prev || B), and
    `prev` the hash of the act before (the genesis hash for act 1). UNIQUE(council, seq) and
    UNIQUE(council, prev) mean a book cannot fork: no two acts hold one place, and no two acts
    follow the same predecessor.
    """

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="acts")
    seq = models.PositiveBigIntegerField(_("seq"))
    kind = models.CharField(_("kind"), max_length=100)
    body = models.BinaryField(_("body"))
    hash = models.CharField(_("hash"), max_length=64)
    prev = models.CharField(_("previous hash"), max_length=64)

    class Meta:
        verbose_name = _("act")
        verbose_name_plural = _("acts")
        ordering = ("council", "seq")
        constraints = (
            models.UniqueConstraint(fields=("council", "seq"), name="act_one_per_place"),
            models.UniqueConstraint(fields=("council", "prev"), name="act_no_fork"),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="act_seq_from_one"),
        )

    def __str__(self) -> str:
        return f"{self.council_id}#{self.seq} {self.kind}"
