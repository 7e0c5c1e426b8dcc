"""A council in its own words: the charter as sentences, and each act as a line of the book.

Read-only rendering of the core's data; nothing here decides anything.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sovet.core.acts import Act as CoreAct
from sovet.core.charter import Charter
from sovet.web.councils.forms import ADMISSION_WORDS, DECLARATION_WORDS, MOTION_WORDS


def _fraction(r: tuple[int, int]) -> str:
    named = {(1, 2): _("a half"), (1, 3): _("a third"), (1, 4): _("a quarter"),
             (2, 3): _("two thirds"), (3, 4): _("three quarters")}
    return str(named.get(r, f"{r[0]}/{r[1]}"))


def charter_words(c: Charter) -> list[str]:
    """The charter's rules as plain sentences, for the council page."""
    days = sorted({d for _k, d in c.voting_days})
    secret = ", ".join(str(MOTION_WORDS[k]).lower() for k in c.secret if k in MOTION_WORDS)
    barred = ", ".join(str(DECLARATION_WORDS[k]) for k in c.barred)
    lines = [
        str(ADMISSION_WORDS[c.admission]),
        ngettext("An applicant needs %(n)d sponsor.", "An applicant needs %(n)d sponsors.",
                 c.sponsors) % {"n": c.sponsors},
        ngettext("A motion needs %(n)d seconder before it is put to the vote.",
                 "A motion needs %(n)d seconders before it is put to the vote.",
                 c.seconders) % {"n": c.seconders},
        _("A vote counts when at least %(q)s of the members vote.") % {"q": _fraction(c.quorum)},
        _("A motion carries with more than half of the yes and no votes; a charter amendment "
          "or an expulsion needs %(t)s.") % {"t": _fraction(c.threshold("expulsion"))},
        ngettext("Votes stay open %(d)s day.", "Votes stay open %(d)s days.",
                 days[-1] if days else 7)
        % {"d": " / ".join(str(d) for d in days) or "7"},
        _("Secret ballot for: %(k)s.") % {"k": secret or _("none")},
        _("A recall vote is forced by the signatures of %(r)s of the electorate.")
        % {"r": _fraction(c.recall_threshold)},
        ngettext("Mandates last %(d)d day,", "Mandates last %(d)d days,", c.term_days)
        % {"d": c.term_days} + " "
        + ngettext("at most %(n)d term in one office.", "at most %(n)d terms in one office.",
                   c.term_limit) % {"n": c.term_limit},
    ]
    if barred:
        lines.append(_("Holders of these positions need %(q)s to be admitted, unless they "
                       "renounce them: %(b)s.") % {"q": _fraction(c.qualified_majority),
                                                   "b": barred})
    return lines


def _f(a: CoreAct, name: str) -> Any:
    return getattr(a, name, "")


def act_words(a: CoreAct) -> str:
    """One line in council words for an act of the book."""
    k = a.kind
    f: dict[str, Any] = {n: _f(a, n) for n in ("by", "person", "motion", "name", "title",
                                               "choice", "party", "petition", "election")}
    lines: dict[str, str] = {
        "council.founding_proposed": _("%(by)s proposed founding the council “%(name)s”."),
        "council.founding_confirmed": _("%(by)s confirmed the founding."),
        "council.founded": _("The council was founded."),
        "member.applied": _("%(person)s applied to join."),
        "member.sponsored": _("%(by)s sponsored %(person)s."),
        "member.objected": _("%(by)s objected to %(person)s."),
        "member.admitted": _("%(person)s was admitted."),
        "member.left": _("%(person)s left the council."),
        "declaration.made": _("%(person)s declared a position."),
        "declaration.renounced": _("%(person)s renounced a declared position."),
        "motion.moved": _("%(by)s moved motion %(motion)s."),
        "motion.seconded": _("%(by)s seconded motion %(motion)s."),
        "ballot.opened": _("The ballot on motion %(motion)s opened."),
        "vote.cast": _("%(by)s voted %(choice)s on motion %(motion)s."),
        "ballot.sealed": _("A secret ballot was closed and sealed."),
        "motion.decided": _("Motion %(motion)s was decided."),
        "action.recorded": _("%(by)s recorded the action “%(title)s”."),
        "attendance.recorded": _("%(person)s recorded their attendance."),
        "attendance.confirmed": _("%(by)s confirmed %(person)s's attendance."),
        "party.founded": _("%(by)s founded the party “%(name)s”."),
        "party.joined": _("%(person)s joined party %(party)s."),
        "petition.opened": _("%(by)s opened petition %(petition)s."),
        "petition.signed": _("%(by)s signed petition %(petition)s."),
        "election.nominated": _("%(person)s stood in election %(election)s."),
        "election.slate_stood": _("%(by)s stood a party slate in election %(election)s."),
        "election.ranked": _("%(by)s ranked the candidates in election %(election)s."),
        "election.counted": _("Election %(election)s was counted."),
    }
    line = lines.get(k)
    if line is None:
        return _("Act %(kind)s.") % {"kind": k}
    if k == "motion.moved":
        line += " (" + str(MOTION_WORDS.get(_f(a, "motion_kind"), _f(a, "motion_kind"))) + ")"
    if k == "motion.decided":
        line = (_("Motion %(motion)s carried (%(yes)d yes, %(no)d no, %(abstain)d abstain).")
                if _f(a, "carried") else
                _("Motion %(motion)s was lost (%(yes)d yes, %(no)d no, %(abstain)d abstain)."))
        f.update(yes=_f(a, "yes"), no=_f(a, "no"), abstain=_f(a, "abstain"))
    if k == "ballot.sealed":
        line = _("The secret ballot on %(of)s %(ballot)s was sealed: %(voters)d voters.")
        f.update(of=_f(a, "of"), ballot=_f(a, "ballot"), voters=_f(a, "voters"))
    return line % f
