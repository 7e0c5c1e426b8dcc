"""Notifications in words: the sentence of each kind, written when it is read or mailed.

Read-only rendering of a notification's facts, translated into the reader's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from sovet.web.councils.forms import MOTION_WORDS


def _when(iso: str) -> str:
    """A time from a notification's facts, in the reader's locale and time zone."""
    try:
        at = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    return str(formats.date_format(timezone.localtime(at), "DATETIME_FORMAT"))


def _what(facts: dict[str, Any]) -> str:
    kind = str(facts.get("what", ""))
    return str(MOTION_WORDS.get(kind, kind)).lower()


def sentence(kind: str, facts: dict[str, Any], *, council: str, reader: str) -> str:
    """What a notification says to `reader`, in council words; `council` is the council's name.

    Never ballot content nor a voter: the facts hold only public outcomes of the book.
    """
    f = {**facts, "council": council}
    if kind == "vote_opened" and "election" in facts:
        return _("%(council)s: the election for %(office)s is open for nominations until "
                 "%(closes)s; the vote follows.") % {**f, "closes": _when(f.get("closes", ""))}
    if kind == "vote_opened":
        return _("%(council)s: the vote on motion %(motion)s (%(what)s) is open until "
                 "%(closes)s.") % {**f, "what": _what(facts),
                                   "closes": _when(f.get("closes", ""))}
    if kind == "vote_closed" and "election" in facts:
        elected = ", ".join(facts.get("elected", ())) or _("nobody")
        return _("%(council)s: the election for %(office)s was counted; elected: "
                 "%(elected)s.") % {**f, "elected": elected}
    if kind == "vote_closed":
        line = (_("%(council)s: motion %(motion)s (%(what)s) carried.") if facts.get("carried")
                else _("%(council)s: motion %(motion)s (%(what)s) was lost."))
        return line % {**f, "what": _what(facts)}
    if kind == "application_decided":
        return (_("%(council)s admitted you as a member.") if facts.get("admitted")
                else _("%(council)s refused your application by the members' vote.")) % f
    if kind == "sponsored":
        return _("%(council)s: %(by)s sponsored your application.") % f
    if kind == "objected":
        return _("%(council)s: %(by)s objected to your application; the members will vote "
                 "on your admission.") % f
    if kind == "petition_reached":
        if facts.get("holder") == reader:
            return _("%(council)s: the petition to recall you from %(office)s reached its "
                     "threshold; the recall vote is open.") % f
        return _("%(council)s: the petition to recall %(holder)s from %(office)s reached its "
                 "threshold; the recall vote is open.") % f
    return _("%(council)s: something happened that concerns you.") % f


def target(kind: str, facts: dict[str, Any], *, slug: str) -> str:
    """The page a notification leads to: the election, the motion, or the council."""
    election = facts.get("election")
    if isinstance(election, int) and election > 0:
        try:
            return reverse("elections:election", args=(slug, election))
        except NoReverseMatch:  # a site without the elections pages: the election's call
            return reverse("councils:motion", args=(slug, election))
    motion = facts.get("motion")
    if isinstance(motion, int) and motion > 0:
        return reverse("councils:motion", args=(slug, motion))
    return reverse("books:council", args=(slug,))
