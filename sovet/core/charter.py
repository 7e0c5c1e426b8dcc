"""The charter: a council's rules in force, with sensible defaults.

Fractions are `(numerator, denominator)` pairs of integers, never floats, so that the book
encodes them exactly. A charter changes only by a carried charter-amendment motion; in the book
it travels as `Charter.to_entries()`, a tuple of flat tuples such as `("quorum", 1, 3)`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sovet.core.errors import BadCharter, UnknownKind

Ratio = tuple[int, int]

MOTION_KINDS: tuple[str, ...] = (
    "resolution",
    "admission",
    "expulsion",
    "charter_amendment",
    "party_legalization",
    "party_outlawing",
    "election_call",
    "election",  # the ballot of an election, for its voting period and secrecy
    "recall",
    "delegate_instruction",
    "affiliation",  # the parent accepts a child council
    "affiliation_request",  # the council asks a parent to accept it
)
"""Every kind of motion (and the election ballot) a charter sets rules for."""

ADMISSION_PROCEDURES: tuple[str, ...] = (
    "sponsors_then_vote",
    "sponsors_then_objection_period",
    "attendance_then_sponsors",
)
"""How applicants become members, as the charter chooses."""

DECLARATION_KINDS: tuple[str, ...] = ("hires_and_fires", "polices", "manages", "owns", "other")
"""The positions of command or privilege a person declares."""

MAJORITY: Ratio = (1, 2)
TWO_THIRDS: Ratio = (2, 3)


def _default_thresholds() -> tuple[tuple[str, int, int], ...]:
    # Changing the rules or casting a person out needs a broad consensus, not a bare majority.
    strong = {"charter_amendment", "expulsion"}
    return tuple(
        (k, *(TWO_THIRDS if k in strong else MAJORITY)) for k in MOTION_KINDS if k != "election"
    )


def _default_secret() -> tuple[str, ...]:
    # Votes about persons and parties are where a boss, a landlord or a faction would press a
    # voter, so they are secret. Votes on texts (resolutions, the charter, instructions to
    # delegates, affiliation) stay open: members answer to each other for how they decide.
    return ("admission", "expulsion", "election", "recall", "party_legalization", "party_outlawing")


@dataclass(frozen=True, slots=True)
class Charter:
    """The rules a council has adopted. Every field has a default; `validate` checks them all.

    - `admission`: one of `ADMISSION_PROCEDURES`.
    - `sponsors`: members who must sponsor an applicant.
    - `objection_days`: how long members may object (sponsors_then_objection_period).
    - `attendance_count`: confirmed actions an applicant must attend (attendance_then_sponsors).
    - `attendance_confirmations`: other members who must confirm an attendance.
    - `seconders`: members, besides the mover, who must second a motion before its vote.
    - `quorum`: the fraction of members who must vote (abstaining counts) for a vote to count.
    - `thresholds`: `(kind, num, den)`: the share of yes among yes and no a motion needs.
    - `qualified_majority`: the threshold to admit the holder of a barred declaration.
    - `voting_days`: `(kind, days)`: how long each kind's ballot stays open.
    - `secret`: the motion kinds (and `election`) voted by secret ballot.
    - `recall_threshold`: the fraction of the electorate whose signatures force a recall vote.
    - `nomination_days`: how long candidates may stand after an election is called.
    - `term_days`, `term_limit`: a mandate's length, and how many terms one person may hold
      one office.
    - `barred`: declaration kinds whose holders need the qualified majority to be admitted.
    - `delegates`: how many delegates the council sends up to its parent.
    - `min_founders`: how many people must found the council.
    - `min_published_voters`: the fewest voters for which a sealed ballot list is published.
    """

    admission: str = "sponsors_then_vote"
    sponsors: int = 2
    objection_days: int = 7
    attendance_count: int = 2
    attendance_confirmations: int = 1
    seconders: int = 1
    quorum: Ratio = (1, 3)
    thresholds: tuple[tuple[str, int, int], ...] = field(default_factory=_default_thresholds)
    qualified_majority: Ratio = TWO_THIRDS
    voting_days: tuple[tuple[str, int], ...] = tuple((k, 7) for k in MOTION_KINDS)
    secret: tuple[str, ...] = field(default_factory=_default_secret)
    recall_threshold: Ratio = (1, 4)
    nomination_days: int = 7
    term_days: int = 365
    term_limit: int = 3
    barred: tuple[str, ...] = ("hires_and_fires", "polices")
    delegates: int = 1
    min_founders: int = 3
    min_published_voters: int = 50

    def __post_init__(self) -> None:
        # Equal charters must be equal values and encode alike, whatever order rules were given.
        for name in ("thresholds", "voting_days", "secret", "barred"):
            value = getattr(self, name)
            if isinstance(value, tuple | list):
                object.__setattr__(self, name, tuple(sorted(value, key=repr)))

    def threshold(self, kind: str) -> Ratio:
        """The threshold for a motion kind (a majority if the charter names none)."""
        for k, n, d in self.thresholds:
            if k == kind:
                return (n, d)
        return MAJORITY

    def voting_period(self, kind: str) -> int:
        """The days a ballot of this kind stays open (7 if the charter names none)."""
        for k, days in self.voting_days:
            if k == kind:
                return days
        return 7

    def is_secret(self, kind: str) -> bool:
        """Whether ballots of this kind are secret."""
        return kind in self.secret

    def to_entries(self) -> tuple[tuple[str | int, ...], ...]:
        """The charter as flat tuples for an act: `("sponsors", 2)`, `("quorum", 1, 3)`,
        `("threshold", "expulsion", 2, 3)`, `("voting_days", "recall", 7)`, `("secret",
        "election")`, `("barred", "polices")`. Sorted, so equal charters encode alike."""
        out: list[tuple[str | int, ...]] = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "thresholds":
                out.extend(("threshold", k, n, d) for k, n, d in value)
            elif f.name == "voting_days":
                out.extend(("voting_days", k, days) for k, days in value)
            elif f.name in ("secret", "barred"):
                out.extend((f.name, k) for k in value)
            elif isinstance(value, tuple):
                out.append((f.name, *value))
            else:
                out.append((f.name, value))
        return tuple(sorted(out, key=repr))

    @classmethod
    def from_entries(cls, entries: tuple[tuple[str | int, ...], ...]) -> Charter:
        """Rebuild a charter from `to_entries`. Scalar rules not named keep their defaults;
        list rules (threshold, voting_days, secret, barred) not named are empty.

        Raises `BadCharter` for an entry it cannot read, and whatever `validate` raises.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        lists: dict[str, list[Any]] = {"thresholds": [], "voting_days": [], "secret": [],
                                       "barred": []}
        for entry in entries:
            if not entry or not isinstance(entry[0], str):
                raise BadCharter(f"charter entry {entry!r} has no rule name", entry=entry)
            name, rest = entry[0], tuple(entry[1:])
            if name == "threshold" and len(rest) == 3:
                lists["thresholds"].append(rest)
            elif name == "voting_days" and len(rest) == 2:
                lists["voting_days"].append(rest)
            elif name in ("secret", "barred") and len(rest) == 1:
                lists[name].append(rest[0])
            elif name in names and name not in lists and len(rest) == 1:
                values[name] = rest[0]
            elif name in names and name not in lists and len(rest) == 2:
                values[name] = (rest[0], rest[1])
            else:
                raise BadCharter(
                    f"the charter has no rule {name!r} of that shape ({entry!r})", entry=entry
                )
        for name, items in lists.items():
            values[name] = tuple(items)
        try:
            charter = cls(**values)
        except TypeError as e:  # pragma: no cover - names are checked above
            raise BadCharter(f"the charter cannot be read: {e}") from e
        return charter.validate()

    def validate(self) -> Charter:
        """Check every rule; return the charter itself, or raise `BadCharter` naming the rule.

        A threshold must be at least a half and at most the whole (below a half, a minority
        could carry a motion against the majority); a quorum and the recall threshold must be
        above zero and at most the whole; days and counts must be positive where zero would make
        the rule meaningless (a term of zero days, a voting period of zero days).
        """
        if self.admission not in ADMISSION_PROCEDURES:
            raise BadCharter(
                f"admission procedure {self.admission!r} is unknown; choose one of "
                f"{', '.join(ADMISSION_PROCEDURES)}",
                rule="admission",
            )
        for name, low in (
            ("sponsors", 0),
            ("objection_days", 1),
            ("attendance_count", 0),
            ("attendance_confirmations", 0),
            ("seconders", 0),
            ("nomination_days", 0),
            ("term_days", 1),
            ("term_limit", 1),
            ("delegates", 0),
            ("min_founders", 1),
            ("min_published_voters", 1),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                what = "a whole number" if low == 0 else f"a whole number of at least {low}"
                raise BadCharter(f"charter rule {name} must be {what}, not {value!r}", rule=name)
        self._ratio("quorum", self.quorum, low=(0, 1), strict=True)
        self._ratio("recall_threshold", self.recall_threshold, low=(0, 1), strict=True)
        self._ratio("qualified_majority", self.qualified_majority, low=MAJORITY, strict=False)
        kinds: set[str] = set()
        for entry in self.thresholds:
            if len(entry) != 3:
                raise BadCharter(f"threshold {entry!r} must be (kind, num, den)", rule="thresholds")
            kind, n, d = entry
            self._kind(kind, "thresholds")
            if kind in kinds:
                raise BadCharter(f"the threshold for {kind} is set twice", rule="thresholds")
            kinds.add(kind)
            self._ratio(f"threshold for {kind}", (n, d), low=MAJORITY, strict=False)
        days_seen: set[str] = set()
        for period in self.voting_days:
            if len(period) != 2:
                raise BadCharter(f"voting period {period!r} must be (kind, days)",
                                 rule="voting_days")
            kind, days = period
            self._kind(kind, "voting_days")
            if kind in days_seen:
                raise BadCharter(f"the voting period for {kind} is set twice", rule="voting_days")
            days_seen.add(kind)
            if not isinstance(days, int) or isinstance(days, bool) or days < 1:
                raise BadCharter(
                    f"the voting period for {kind} must be a whole number of at least 1 day, "
                    f"not {days!r}",
                    rule="voting_days",
                )
        for kind in self.secret:
            self._kind(kind, "secret")
        for kind in self.barred:
            if kind not in DECLARATION_KINDS:
                raise BadCharter(
                    f"barred declaration kind {kind!r} is unknown; choose among "
                    f"{', '.join(DECLARATION_KINDS)}",
                    rule="barred",
                )
        return self

    @staticmethod
    def _kind(kind: object, rule: str) -> None:
        if kind not in MOTION_KINDS:
            raise UnknownKind(
                f"charter rule {rule} names motion kind {kind!r}, which is unknown; the kinds "
                f"are {', '.join(MOTION_KINDS)}",
                rule=rule,
                kind=kind,
            )

    @staticmethod
    def _ratio(name: str, value: object, *, low: Ratio, strict: bool) -> None:
        ok = (
            isinstance(value, tuple)
            and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        )
        if not ok:
            raise BadCharter(f"charter rule {name} must be a fraction (num, den), not {value!r}",
                             rule=name)
        n: int = value[0]  # type: ignore[index]
        d: int = value[1]  # type: ignore[index]
        if d <= 0 or n < 0:
            raise BadCharter(f"charter rule {name} must be a fraction with a positive "
                             f"denominator, not {n}/{d}", rule=name)
        if n > d:
            raise BadCharter(f"charter rule {name} is {n}/{d}, over 100 %; it can be at most "
                             f"the whole", rule=name)
        below = n * low[1] <= low[0] * d if strict else n * low[1] < low[0] * d
        if below:
            bound = "above zero" if strict else f"at least {low[0]}/{low[1]}"
            raise BadCharter(f"charter rule {name} is {n}/{d}; it must be {bound}", rule=name)


def at_least(count: int, total: int, ratio: Ratio) -> bool:
    """Whether `count` is at least the fraction `ratio` of `total` (exact integer arithmetic)."""
    return count * ratio[1] >= ratio[0] * total
