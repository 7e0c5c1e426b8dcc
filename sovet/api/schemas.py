"""The API's request and answer shapes (ninja `Schema`s, which become the OpenAPI document).

Answers carry what the pages show and nothing more: never a secret ballot's box row, its id,
or anything that links a voter to a ballot.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from django import forms as django_forms
from ninja import Field, Schema
from pydantic import AfterValidator

from sovet.core.charter import ADMISSION_PROCEDURES, DECLARATION_KINDS
from sovet.web.councils.forms import QUORUMS, RESERVED_SLUGS, CharterFields, FoundForm

Username = str


def plain_text(value: str) -> str:
    """Refuse control characters (but tabs and newlines) and lone surrogates: they cannot be
    stored or shown faithfully, and no person types them."""
    for c in value:
        o = ord(c)
        if (o < 32 and c not in "\t\n\r") or o == 127 or 0xD800 <= o <= 0xDFFF:
            raise ValueError(f"must not contain the control character U+{o:04X}")
    return value


# The same rule as a JSON Schema pattern, so the OpenAPI document says what is refused.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Text = Annotated[str, Field(pattern=TEXT_PATTERN), AfterValidator(plain_text)]
# Text that says something: at least one character that is not a space.
FILLED_PATTERN = (r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f]"
                  r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")
Filled = Annotated[str, Field(pattern=FILLED_PATTERN), AfterValidator(plain_text)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{1,29}$"), AfterValidator(plain_text)]
Choice = Literal["yes", "no", "abstain"]


class ErrorOut(Schema):
    """Every error answer: a stable code and a sentence that says what is wrong."""

    error: str = Field(description="A stable code, e.g. `already_voted`, `invalid_input`.")
    detail: str = Field(description="What was refused and why, and what to do instead.")


class Done(Schema):
    """An act that was accepted."""

    done: bool = True


class Recorded(Schema):
    """A vote that was recorded (a secret one gets no receipt, by design)."""

    recorded: bool = True


class Created(Schema):
    """A thing that was made, by its number in the council."""

    number: int


# Councils ------------------------------------------------------------------------------------


class CouncilBrief(Schema):
    """A council in the list."""

    slug: str
    name: str
    acts: int = Field(description="Acts in the book.")
    head: str = Field(description="The book's head hash.")


class MandateOut(Schema):
    """A person holding a seat of an office."""

    person: Username
    since: datetime
    until: datetime
    election: int


class OfficeOut(Schema):
    """An office and who holds it."""

    number: int
    name: str
    role: str
    seats: int
    mandates: list[MandateOut]


class CouncilOut(CouncilBrief):
    """A council: its charter, standing, offices and relations."""

    founded: bool
    founded_at: datetime | None
    founders: list[Username]
    confirmed: list[Username]
    members: int = Field(description="How many members it has.")
    applicants: int
    charter: list[list[str | int]] = Field(
        description="The charter in force, as the book's entries, e.g. [\"sponsors\", 2].")
    offices: list[OfficeOut]
    parent: str | None
    parent_requested: str | None = Field(
        description="The parent this council asked to join by a carried motion, until its "
                    "acceptance is recorded.")
    children: list[str]
    delegates: list[DelegateOut] = Field(description="Child councils' delegates seated here.")


class DelegateOut(Schema):
    """A child council's delegate seated here, and the child that elected them."""

    person: Username
    child: str


def _bounded(name: str) -> Any:
    """A charter rule's number as the founding page's form bounds it, its default the page's."""
    field = CharterFields.base_fields[name]
    assert isinstance(field, django_forms.IntegerField)
    return Field(field.initial, ge=field.min_value, le=field.max_value,
                 description=str(field.help_text or field.label))


def _initial(name: str) -> Any:
    return CharterFields.base_fields[name].initial


# The founding page's choices, as the core and the form name them (not restated here).
Admission = Literal[ADMISSION_PROCEDURES]  # type: ignore[valid-type]
Quorum = Literal[tuple(q for q, _words in QUORUMS)]  # type: ignore[valid-type]
DeclarationKind = Literal[DECLARATION_KINDS]  # type: ignore[valid-type]


class CharterIn(Schema):
    """A first charter's main rules, as the founding page's form offers them; a rule left out
    takes the page's default (every other rule takes the core's default charter)."""

    admission: Admission = Field(_initial("admission"),
                                 description="How applicants are admitted.")
    sponsors: int = _bounded("sponsors")
    objection_days: int = _bounded("objection_days")
    seconders: int = _bounded("seconders")
    quorum: Quorum = Field(_initial("quorum"),  # type: ignore[valid-type]
                           description="The share of members who must vote for a vote to "
                                       "count.")
    voting_days: int = _bounded("voting_days")
    barred: list[DeclarationKind] = Field(
        default_factory=lambda: list(_initial("barred")), max_length=len(DECLARATION_KINDS),
        description="Declared positions whose holders need the qualified majority to be "
                    "admitted ([] for none).")


# The co-founders travel to the founding form as one field of at most this many characters.
_COFOUNDERS_CHARS = int(FoundForm.base_fields["cofounders"].max_length or 1000)


def _not_reserved(allowed: str) -> str:
    """A pattern of `allowed` ids without the site's reserved ones, in any case."""
    words = "|".join("".join(f"[{c}{c.upper()}]" if c.isalpha() else re.escape(c) for c in w)
                     for w in sorted(RESERVED_SLUGS))
    return rf"^(?!(?:{words})$){allowed}$"


class FoundIn(Schema):
    """Propose a council: its name, id, co-founders and first charter (the proposer confirms
    at once; each co-founder confirms with `founding/confirm`)."""

    name: Filled = Field(..., max_length=FoundForm.base_fields["name"].max_length,
                         description="The council's name.")
    slug: str = Field(..., pattern=r"^[-a-zA-Z0-9_]{1,64}$",
                      description="The council's id, for its address and its book (folded to "
                                  "small letters); it cannot be changed later, and the ids the "
                                  "site uses for itself are refused.",
                      # The document also says which ids are reserved (the founding form
                      # refuses them); the server's own pattern engine has no lookahead.
                      json_schema_extra={"pattern": _not_reserved(r"[-a-zA-Z0-9_]{1,64}")})
    cofounders: list[Name] = Field(
        ..., min_length=1, max_length=_COFOUNDERS_CHARS // 31,
        description="The other founders' usernames (the charter's min_founders, 3 by default, "
                    "counts the proposer too).")
    charter: CharterIn = Field(default_factory=lambda: CharterIn())  # type: ignore[call-arg]


class MemberOut(Schema):
    """A person's standing in the council."""

    person: Username
    status: str
    since: datetime
    via: str
    sponsors: list[Username]
    objections: list[Username]
    admission_motion: int | None


class DeclarationIn(Schema):
    """A position of command or privilege one holds, declared when applying."""

    kind: Literal["hires_and_fires", "polices", "manages", "owns", "other"]
    where: Filled = Field(..., max_length=200, description="Where the position is held.")
    since: Text = Field("", max_length=40)
    text: Text = Field("", max_length=2000)


class ApplyIn(Schema):
    """An application to join, with one's declarations."""

    declarations: list[DeclarationIn] = Field(default_factory=list, max_length=50)


class ObjectIn(Schema):
    """An objection to a sponsored applicant."""

    reason: Filled = Field(..., max_length=2000)


# Motions -------------------------------------------------------------------------------------


class MotionIn(Schema):
    """Table a motion. Which fields matter depends on the kind (as on the page's form)."""

    kind: Text = Field(..., max_length=40, description="resolution, admission, expulsion, "
                      "charter_amendment, party_legalization, party_outlawing, election_call, "
                      "recall, instruction, affiliation, …")
    text: Text = Field("", max_length=10000)
    subject: Text = Field("", max_length=100)
    ref: int = Field(0, ge=0, le=2**31 - 1)
    seats: int = Field(0, ge=0, le=100)
    method: Text = Field("", max_length=40)
    role: Text = Field("", max_length=40)
    charter: list[list[Text | int]] | None = Field(
        None, max_length=200,
        description="A charter amendment's whole new charter, as the book's entries.")


class VoteIn(Schema):
    """A vote on a motion's ballot."""

    choice: Choice


class Tally(Schema):
    """A motion's count: at the close for a secret ballot, so far for an open one."""

    yes: int
    no: int
    abstain: int


class MotionBrief(Schema):
    """A motion in the list."""

    number: int
    kind: str
    by: Username
    text: str
    subject: str
    status: str = Field(description="moved, open, carried or lost.")
    secret: bool
    moved_at: datetime
    opens: datetime | None
    closes: datetime | None


class MotionOut(MotionBrief):
    """A motion with its seconders, ballot and result."""

    ref: int
    seats: int
    method: str
    role: str
    seconders: list[Username]
    quorum: list[int]
    threshold: list[int]
    tally: Tally | None = Field(description="Null while a secret ballot is open.")
    votes: dict[Username, Choice] = Field(
        description="An open ballot's votes by name (a secret ballot's are never named).")
    published: bool | None = Field(
        description="A closed secret ballot: whether its sealed list is public.")
    voted: bool | None = Field(description="Whether the asking person has voted (null if "
                                           "anonymous).")


class SealedList(Schema):
    """A closed secret ballot's sealed list, in its sealed order (no voter, no time)."""

    merkle_root: str
    voters: int
    ballots: list[str | list[str]] = Field(description="Each ballot's vote, in sealed order.")
    leaves: list[str] = Field(description="Each ballot's canonical bytes (UTF-8), the leaves "
                                          "of the book's Merkle root (RFC 6962).")


# Elections -----------------------------------------------------------------------------------


class CandidateOut(Schema):
    """A candidate, and the party whose slate they stand on (0 and "" for none)."""

    person: Username
    party: int
    party_name: str


class ElectionBrief(Schema):
    """An election in the list."""

    number: int
    office: int
    office_name: str
    seats: int
    method: str
    phase: Literal["nominating", "voting", "counted"]
    secret: bool
    nominations_close: datetime
    closes: datetime


class ElectionOut(ElectionBrief):
    """An election: candidates, and when counted, who was elected and the count's stages."""

    candidates: list[CandidateOut]
    elected: list[Username]
    full_count: bool | None = Field(
        description="Counted: whether the whole count is public (its ballots are), or only "
                    "the book's stage counts.")
    result: dict[str, object] | None = Field(
        description="The count as sovet.count's result JSON (rounds with votes and "
                    "transfers at `scale`), when counted.")
    voted: bool | None


class SlateIn(Schema):
    """A legal party's slate of its members."""

    party: int = Field(..., ge=1, le=2**31 - 1)
    candidates: list[Name] = Field(..., min_length=1, max_length=100)


class RankIn(Schema):
    """A ranking of candidates, most preferred first."""

    ranking: list[Name] = Field(..., min_length=1, max_length=100)


class BallotsOut(Schema):
    """A counted election's public ballots (no voter, no order of casting)."""

    candidates: list[Username]
    ballots: list[list[Username]]


# Petitions, parties, actions -------------------------------------------------------------------


class PetitionOut(Schema):
    """A recall petition and its signatures."""

    number: int
    kind: str
    office: int
    office_name: str
    person: Username
    by: Username
    signatures: list[Username]
    needed: int
    status: str
    motion: int | None


class PetitionIn(Schema):
    """Open a petition to recall a mandate (the opener signs it)."""

    office: int = Field(..., ge=1, le=2**31 - 1)
    holder: Name = Field(..., min_length=1, max_length=30)


class PartyOut(Schema):
    """A party: name, platform, members, and whether the members' vote made it legal."""

    number: int
    name: str
    platform: str
    members: list[Username]
    status: str


class PartyIn(Schema):
    """Found a party."""

    name: Filled = Field(..., max_length=200)
    platform: Filled = Field(..., max_length=10000)


class ActionOut(Schema):
    """An action the council did together, with who attended and who is confirmed."""

    number: int
    title: str
    by: Username
    at: datetime
    claimed: dict[Username, list[Username]] = Field(
        description="Each person who says they attended, with who confirmed it.")
    confirmed: list[Username]


class ActionIn(Schema):
    """Record an action."""

    title: Filled = Field(..., max_length=200)


class ConfirmIn(Schema):
    """Confirm another person's attendance."""

    attendee: Name = Field(..., min_length=1, max_length=30)


# The book and the person ----------------------------------------------------------------------


class HeadOut(Schema):
    """A book's head: how many acts, and the last act's hash (witness it elsewhere)."""

    slug: str
    acts: int
    head: str


class MembershipOut(Schema):
    """One's standing in a council."""

    council: str
    council_name: str
    status: str
    since: datetime


class MeOut(Schema):
    """The asking person."""

    username: Username
    display_name: str
    councils: list[MembershipOut]


class NotificationOut(Schema):
    """One notification in one's inbox, in words (never ballot content nor a secret voter)."""

    number: int = Field(description="Its id, to mark it read.")
    council: str
    council_name: str
    kind: str
    text: str = Field(description="What it says, in the reader's language.")
    url: str = Field(description="The page it leads to.")
    at: datetime
    unread: bool


class InboxOut(Schema):
    """One's inbox as the inbox page shows it: every unread notification, newest first, then
    the latest read ones."""

    unread: list[NotificationOut]
    read: list[NotificationOut]


# Federation ----------------------------------------------------------------------------------


class DelegateIn(Schema):
    """Seat a child council's elected delegate (the act that elected them is read from the
    child's own book)."""

    child: str = Field(..., pattern=r"^[-a-zA-Z0-9_]{1,64}$",
                       description="The child council's id.")
    person: Name = Field(..., description="The delegate's username.")


class ImportedOut(Schema):
    """A council made from an imported book."""

    slug: str
    name: str
    acts: int
    head: str
