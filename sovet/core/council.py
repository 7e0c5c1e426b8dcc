"""The council's state, the one `apply` that changes it, `decide`, and `replay`.

`apply(state, act)` is the only place that changes a council's state. It never re-checks a
rule: a written act is a fact. Every rule checks everything first, then calls `decide`, which
applies its acts to a private copy of the state (so a rule that refuses leaves the caller's
state untouched, and one that decides never mutates it either; the copy is copy-on-write, so
a decision clones only the objects its acts reach, not a large council's every member).
`replay` applies a book's acts
in place to one fresh state, which is what makes it fast; because the live path and replay go
through the same `apply`, the state after any sequence of commands equals the replay of their
acts. States compare with `==`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sovet.core.acts import Act
from sovet.core.charter import Charter
from sovet.core.errors import NoSuchMotion, NotFound, RuleError, UnknownKind

PersonId = str
CouncilId = str
MotionId = int


@dataclass(slots=True)
class Membership:
    """A person's standing in the council, and the progress of their admission."""

    status: str  # applicant | member | left | expelled | refused
    since: datetime
    sponsors: set[str] = field(default_factory=set)
    objections: set[str] = field(default_factory=set)
    sponsored_at: datetime | None = None  # when the charter's number of sponsors was reached
    motion: int | None = None  # the admission motion, if one was opened
    via: str = ""  # how they became a member: founding, vote, objection_period, attendance, …

    def clone(self) -> Membership:
        """A copy sharing nothing mutable."""
        return Membership(self.status, self.since, set(self.sponsors), set(self.objections),
                          self.sponsored_at, self.motion, self.via)


@dataclass(slots=True)
class Declaration:
    """A position of command or privilege held outside the council."""

    person: str
    kind: str
    where: str
    since: str
    text: str
    renounced: bool = False

    def clone(self) -> Declaration:
        """A copy sharing nothing mutable."""
        return Declaration(self.person, self.kind, self.where, self.since, self.text,
                           self.renounced)


@dataclass(slots=True)
class Action:
    """Something the council did together, and who attended it (claimed, then confirmed)."""

    title: str
    by: str
    at: datetime
    claims: dict[str, set[str]] = field(default_factory=dict)  # person -> confirmers
    confirmed: set[str] = field(default_factory=set)

    def clone(self) -> Action:
        """A copy sharing nothing mutable."""
        return Action(self.title, self.by, self.at,
                      {p: set(c) for p, c in self.claims.items()}, set(self.confirmed))


@dataclass(slots=True)
class Motion:
    """A proposal put to the members, its ballot and its outcome."""

    kind: str
    by: str
    text: str
    subject: str
    ref: int
    seats: int
    method: str
    role: str
    charter: tuple[tuple[str | int, ...], ...]
    moved_at: datetime
    seconders: set[str] = field(default_factory=set)
    status: str = "moved"  # moved | open | carried | lost
    secret: bool = False
    opens: datetime | None = None
    closes: datetime | None = None
    quorum: tuple[int, int] = (0, 1)
    threshold: tuple[int, int] = (1, 2)
    votes: dict[str, str] = field(default_factory=dict)  # open votes: person -> choice
    counts: tuple[int, int, int] = (0, 0, 0)  # yes, no, abstain at the close

    def clone(self) -> Motion:
        """A copy sharing nothing mutable."""
        c = copy.copy(self)
        c.seconders = set(self.seconders)
        c.votes = dict(self.votes)
        return c


@dataclass(slots=True)
class Election:
    """An election called by a carried election-call motion (its id is that motion's id)."""

    office: int
    seats: int
    method: str
    nominations_close: datetime
    closes: datetime
    secret: bool
    candidates: dict[str, int] = field(default_factory=dict)  # person -> party id (0: none)
    rankings: dict[str, tuple[str, ...]] = field(default_factory=dict)  # open ballots
    status: str = "nominating"  # nominating | counted (voting is between the two times)
    elected: tuple[str, ...] = ()

    def clone(self) -> Election:
        """A copy sharing nothing mutable."""
        c = copy.copy(self)
        c.candidates = dict(self.candidates)
        c.rankings = dict(self.rankings)
        return c


@dataclass(frozen=True, slots=True)
class Mandate:
    """A person holding an office for a term, from an election."""

    since: datetime
    until: datetime
    election: int


@dataclass(slots=True)
class Office:
    """A seat or seats (chair, secretary, delegate, …) filled by election for a term."""

    name: str
    role: str  # officer | delegate
    seats: int
    mandates: dict[str, Mandate] = field(default_factory=dict)
    terms: dict[str, int] = field(default_factory=dict)  # person -> terms won

    def clone(self) -> Office:
        """A copy sharing nothing mutable (a `Mandate` is never changed, only replaced)."""
        return Office(self.name, self.role, self.seats, dict(self.mandates), dict(self.terms))


@dataclass(slots=True)
class Petition:
    """Signatures collected toward a threshold (a recall of a mandate)."""

    kind: str
    office: int
    person: str
    by: str
    signatures: set[str] = field(default_factory=set)
    status: str = "open"  # open | reached
    motion: int | None = None

    def clone(self) -> Petition:
        """A copy sharing nothing mutable."""
        return Petition(self.kind, self.office, self.person, self.by, set(self.signatures),
                        self.status, self.motion)


@dataclass(slots=True)
class Party:
    """A tendency of members with a platform; legal only by the members' vote."""

    name: str
    platform: str
    members: set[str] = field(default_factory=set)
    status: str = "proposed"  # proposed | legal | outlawed

    def clone(self) -> Party:
        """A copy sharing nothing mutable."""
        return Party(self.name, self.platform, set(self.members), self.status)


_STANDING = {
    "applicant": "an applicant",
    "member": "a member",
    "stranger": "not a member",
    "left": "no longer a member (left)",
    "expelled": "expelled",
    "refused": "a refused applicant",
}


@dataclass(slots=True)
class CouncilState:
    """Everything a rule needs to decide. Built only by `apply`; compare states with `==`."""

    council: str = ""
    name: str = ""
    charter: Charter = field(default_factory=Charter)
    founders: tuple[str, ...] = ()
    confirmed: set[str] = field(default_factory=set)
    founded: bool = False
    founded_at: datetime | None = None
    members: dict[str, Membership] = field(default_factory=dict)
    n_members: int = 0
    declarations: dict[int, Declaration] = field(default_factory=dict)
    actions: dict[int, Action] = field(default_factory=dict)
    attended: dict[str, int] = field(default_factory=dict)  # person -> confirmed attendances
    motions: dict[int, Motion] = field(default_factory=dict)
    elections: dict[int, Election] = field(default_factory=dict)
    offices: dict[int, Office] = field(default_factory=dict)
    petitions: dict[int, Petition] = field(default_factory=dict)
    parties: dict[int, Party] = field(default_factory=dict)
    resolutions: list[int] = field(default_factory=list)
    instructions: list[int] = field(default_factory=list)
    parent: str | None = None
    parent_act: str = ""
    parent_requested: str | None = None
    children: set[str] = field(default_factory=set)
    delegates: dict[str, tuple[str, str]] = field(default_factory=dict)  # person->(child, hash)
    witnessed: dict[str, tuple[int, str]] = field(default_factory=dict)  # council->(seq, head)

    # --- queries every rule uses -------------------------------------------------------
    def status(self, person: str) -> str:
        """The person's membership status, or `a stranger` if they never applied."""
        m = _peek(self.members, person)
        return m.status if m is not None else "stranger"

    def describe(self, person: str) -> str:
        """The person's standing in words, for messages: `an applicant`, `not a member`, …."""
        return _STANDING.get(self.status(person), self.status(person))

    def is_member(self, person: str) -> bool:
        """Whether the person is a member now."""
        m = _peek(self.members, person)
        return m is not None and m.status == "member"

    def motion(self, motion: int) -> Motion:
        """The motion with this id; raises `NoSuchMotion`."""
        try:
            return self.motions[motion]
        except (KeyError, TypeError):
            raise NoSuchMotion(f"there is no motion {motion} in this council",
                               motion=motion) from None

    def election(self, election: int) -> Election:
        """The election with this id (its election-call motion's id); raises `NotFound`."""
        try:
            return self.elections[election]
        except (KeyError, TypeError):
            raise NotFound(f"there is no election {election} in this council",
                           election=election) from None

    def office(self, office: int) -> Office:
        """The office with this id; raises `NotFound`."""
        try:
            return self.offices[office]
        except (KeyError, TypeError):
            raise NotFound(f"there is no office {office} in this council",
                           office=office) from None

    def party(self, party: int) -> Party:
        """The party with this id; raises `NotFound`."""
        try:
            return self.parties[party]
        except (KeyError, TypeError):
            raise NotFound(f"there is no party {party} in this council", party=party) from None

    def next_id(self, table: dict[int, Any]) -> int:
        """The next id in a table: ids are never reused, so replay allocates the same ones."""
        return len(table) + 1

    def copy(self) -> CouncilState:
        """A copy that `apply` may change without changing this state.

        Copy-on-write (every decision makes one, so it must not cost a clone of every member
        of a large council): the tables of objects (members, motions, …) are fresh dicts that
        share their objects with this state, wrapped so that the first access to an object
        through the copy replaces it with the object's `clone()`; only the objects an act
        actually reaches are cloned. The plain tables are copied outright. Call `settle` when
        done applying: it drops the wrappers, so reading the settled state costs nothing.
        """
        c = copy.copy(self)
        # Once the council is founded its founders' confirmations are history: the copy shares
        # the set (an act that still changes it replaces it), where every decision of a large
        # council would otherwise copy it.
        c.confirmed = self.confirmed if self.founded else set(self.confirmed)
        for name in _SHARED:
            table = getattr(self, name)
            if type(table) is not dict:
                # Copying a state still being changed: from now on it shares its objects too.
                table.share()
            setattr(c, name, _CopyOnWrite(table))
        c.attended = dict(self.attended)
        c.resolutions = list(self.resolutions)
        c.instructions = list(self.instructions)
        c.children = set(self.children)
        c.delegates = dict(self.delegates)
        c.witnessed = dict(self.witnessed)
        return c

    def guard(self) -> None:
        """Make this state's tables of objects copy-on-write, in place: apply may then change
        it without touching an object it shares with the state it was copied from."""
        for name in _SHARED:
            table = getattr(self, name)
            if type(table) is dict:
                setattr(self, name, _CopyOnWrite(table))

    def settle(self) -> None:
        """End a copy's copy-on-write: its tables become plain dicts (objects not reached stay
        shared with the state it was copied from; neither state is changed in place again)."""
        for name in _SHARED:
            table = getattr(self, name)
            if type(table) is not dict:
                setattr(self, name, table.settled())


class _Cloneable(Protocol):
    def clone(self) -> Any: ...


K = TypeVar("K")
V = TypeVar("V", bound=_Cloneable)


class _CopyOnWrite(dict[K, V]):
    """A table shared with another state: every way of reaching an object clones it first.

    Reads that return an object (`[]`, `get`, `values`, `items`, `pop`, `setdefault`) hand out
    this table's own clone, made on first access; keys, `in` and `len` clone nothing. Keys set
    or cloned here are owned, and their objects may be changed in place.

    A settled table (a plain dict, never changed again) is not even copied until this table
    first hands out or takes an object: until then every read goes to it (`_lazy`), so a copy
    of a large council's state costs a few wrappers, not a copy of every member. A table still
    being changed is copied at once, as it will not stay as it is.
    """

    __slots__ = ("_base", "_changed", "_lazy", "_own")

    def __init__(self, shared: dict[K, V]) -> None:
        dict.__init__(self)
        # A settled table this one started as: read through until first filled (`_lazy`), and
        # while nothing in it has changed `settled` hands it back instead of copying every
        # entry (most decisions reach one table).
        self._base: dict[K, V] | None = shared if type(shared) is dict else None
        self._lazy = self._base
        if self._base is None:
            dict.update(self, _raw(shared))
        self._own: set[K] = set()
        self._changed = False

    def _fill(self) -> None:
        """Copy the settled table's entries in, before the first object goes in or out."""
        if self._lazy is not None:
            lazy, self._lazy = self._lazy, None
            dict.update(self, lazy)

    def _entries(self) -> dict[K, V]:
        """The dict that holds this table's entries now, for reads that clone nothing."""
        return self._lazy if self._lazy is not None else self

    def peek(self, key: K) -> V | None:
        """The object at `key`, or None, only to read it: not cloned."""
        return dict.get(self._entries(), key)

    def __getitem__(self, key: K) -> V:
        self._fill()
        value = dict.__getitem__(self, key)
        if key not in self._own:
            value = value.clone()
            dict.__setitem__(self, key, value)
            self._own.add(key)
            self._changed = True
        return value

    def __setitem__(self, key: K, value: V) -> None:
        self._fill()
        dict.__setitem__(self, key, value)
        self._own.add(key)
        self._changed = True

    def __delitem__(self, key: K) -> None:
        self._fill()
        dict.__delitem__(self, key)
        self._own.discard(key)
        self._changed = True

    def clear(self) -> None:
        self._lazy = None
        dict.clear(self)
        self._own.clear()
        self._changed = True

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self._entries(), key)

    def __len__(self) -> int:
        return dict.__len__(self._entries())

    def __iter__(self) -> Iterator[K]:
        return dict.__iter__(self._entries())

    def __reversed__(self) -> Iterator[K]:
        return dict.__reversed__(self._entries())

    def keys(self) -> Any:
        return dict.keys(self._entries())

    def __eq__(self, other: object) -> bool:
        return dict.__eq__(_raw(self), _raw(other) if isinstance(other, dict) else other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __repr__(self) -> str:
        return repr(_raw(self))

    def __ior__(self, other: Any) -> _CopyOnWrite[K, V]:  # type: ignore[override,misc]
        self.update(other)
        return self

    def settled(self) -> dict[K, V]:
        """This table as a plain dict of the objects it stores (no clone on read)."""
        if not self._changed and self._base is not None:
            return self._base
        return dict(_raw(self))

    def get(self, key: K, default: Any = None) -> Any:
        if key in self:
            return self[key]
        return default

    def setdefault(self, key: K, default: V) -> V:
        if key in self:
            return self[key]
        self[key] = default
        return default

    def pop(self, key: K, *default: Any) -> Any:
        if key in self:
            value = self[key]
            del self[key]
            return value
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[K, V]:
        key = next(reversed(self.keys()))
        return key, self.pop(key)

    def values(self) -> list[V]:  # type: ignore[override]
        return [self[k] for k in list(self.keys())]

    def items(self) -> list[tuple[K, V]]:  # type: ignore[override]
        return [(k, self[k]) for k in list(self.keys())]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for k, v in dict(*args, **kwargs).items():
            self[k] = v

    def copy(self) -> dict[K, V]:
        return dict(self.items())

    def share(self) -> None:
        """Own nothing: another table now shares every object, so clone before changing any."""
        self._own.clear()


def _raw(table: dict[K, V]) -> dict[K, V]:
    """A table's entries as stored, objects not cloned (a plain dict as it is)."""
    if type(table) is dict:
        return table
    assert isinstance(table, _CopyOnWrite)
    return table._entries() if table._lazy is not None else dict(dict.items(table))


def _peek(table: dict[K, V], key: K) -> V | None:
    """An object of a table, only to read it: a copy-on-write table hands it out without the
    clone its `get` makes for a caller that may change it (a rule asking whether someone is a
    member would otherwise leave a large council's whole members table to copy)."""
    return table.peek(key) if isinstance(table, _CopyOnWrite) else dict.get(table, key)


# The tables of mutable objects that a copy shares copy-on-write.
_SHARED = ("members", "declarations", "actions", "motions", "elections", "offices", "petitions",
           "parties")


@dataclass(frozen=True, slots=True)
class Decision:
    """The acts a rule decided, and the council's state after them.

    `sealed` holds a secret ballot's sealed list (canonical bytes, in the sealed order) for the
    shell to store, and to publish when the book's `BallotSealed` says so.
    """

    acts: tuple[Act, ...]
    state: CouncilState
    sealed: tuple[bytes, ...] = ()

    def then(self, *acts: Act, sealed: tuple[bytes, ...] = ()) -> Decision:
        """Apply more acts to this decision's own state (a rule building a longer decision)."""
        # The state shares objects with the state the rule decided from: guard them again.
        self.state.guard()
        for a in acts:
            apply(self.state, a)
        self.state.settle()
        return Decision(self.acts + acts, self.state, self.sealed + sealed)


Handler = Callable[[CouncilState, Any], None]
_HANDLERS: dict[type[Act], Handler] = {}
H = TypeVar("H", bound=Handler)


def handles(kind: type[Act]) -> Callable[[H], H]:
    """Register the function that applies acts of one kind (a decorator; one per kind)."""

    def register(fn: H) -> H:
        if kind in _HANDLERS:
            raise TypeError(f"{kind.__name__} has two handlers")
        _HANDLERS[kind] = fn
        return fn

    return register


def handled() -> frozenset[type[Act]]:
    """Every act class that `apply` knows."""
    return frozenset(_HANDLERS)


def apply(state: CouncilState, act: Act) -> None:
    """Change the state by one act, in place. Never checks a rule: a written act is a fact.

    Raises `UnknownKind` for an act this version of Sovet cannot apply.
    """
    try:
        handler = _HANDLERS[type(act)]
    except KeyError:
        raise UnknownKind(f"act {type(act).__name__} cannot be applied by this version of "
                          f"Sovet", kind=getattr(act, "kind", "")) from None
    handler(state, act)


def decide(state: CouncilState, *acts: Act, sealed: tuple[bytes, ...] = ()) -> Decision:
    """Apply a rule's acts to a copy of the state and return both (the caller's state stays).

    Call it only once every check has passed: `apply` does not check again.
    """
    after = state.copy()
    for a in acts:
        apply(after, a)
    after.settle()
    return Decision(tuple(acts), after, sealed)


class _Working(CouncilState):
    """A copy on which decisions apply their acts in place (see `working`)."""

    __slots__ = ()

    def copy(self) -> CouncilState:
        return self

    def settle(self) -> None:
        pass


def working(state: CouncilState) -> CouncilState:
    """A copy of `state` that every `decide` made on it changes in place.

    For a shell that decides many single-act rules in a row (a batch of votes): one copy for
    the batch, where each decision would otherwise copy the whole state (every member of a
    large council). Only for rules that check everything before they decide (a refusal then
    leaves the copy as it was), such as `vote` and `rank`; the decisions' `state` is the copy
    itself. End with `settled`; `state` itself is never changed.
    """
    w = state.copy()
    w.__class__ = _Working
    return w


def settled(w: CouncilState) -> CouncilState:
    """The state a `working` copy has become, as an ordinary state (it changes no more)."""
    w.__class__ = CouncilState
    w.settle()
    return w


def permits(rule: Callable[[], object]) -> bool:
    """Whether the rules accept a command now: `rule` runs the command's rule on the state and
    its answer (a decision, a secret vote's entries) is thrown away.

    Pages ask it before offering a button, so a button shows exactly when its rule would accept
    the command, and no page restates the rule.
    """
    try:
        rule()
    except RuleError:
        return False
    return True


def replay(acts: Iterable[Act], state: CouncilState | None = None) -> CouncilState:
    """Rebuild a council's state from its acts (the book), through the same `apply`."""
    st = CouncilState() if state is None else state
    if state is not None:
        st.guard()  # a given state may share objects with another: change only its own
    handlers = _HANDLERS
    for a in acts:
        handler = handlers.get(type(a))
        if handler is None:
            apply(st, a)  # raises the clear UnknownKind
        else:
            handler(st, a)
    if state is not None:
        st.settle()  # a copy caught up by replay reads like any other state
    return st
