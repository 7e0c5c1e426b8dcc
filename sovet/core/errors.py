"""Domain errors. Every refusal of a rule is a `RuleError` with a stable code and a sentence.

Pages, the API and the command line each map `RuleError` once; they never see a traceback.
"""

from __future__ import annotations


class RuleError(Exception):
    """A command the council's rules refuse.

    `code` is stable (APIs and tests match on it); `message` is a sentence for a person that
    says what was refused and why, and where it helps, what to do instead.
    """

    code: str = "rule"

    def __init__(self, message: str, **facts: object) -> None:
        super().__init__(message)
        self.message = message
        self.facts = facts

    def __str__(self) -> str:
        return self.message


class UnknownKind(RuleError):
    """An act or motion kind that this version of Sovet does not know."""

    code = "unknown_kind"


class InvalidAct(RuleError):
    """An act whose fields do not have the types or shape its kind requires."""

    code = "invalid_act"


class BadCharter(RuleError):
    """A charter rule with a value the council cannot work by (a threshold over 100 %, …)."""

    code = "bad_charter"


class NotAMember(RuleError):
    """Only members may do this, and the person is not one."""

    code = "not_a_member"


class WrongState(RuleError):
    """The thing acted on is not in a state that allows the command (a closed motion, …)."""

    code = "wrong_state"


class NotFound(RuleError):
    """No motion, action, petition, party, office, election or declaration with that id."""

    code = "not_found"


class NoSuchMotion(NotFound):
    """No motion with that id in this council."""

    code = "no_such_motion"


class AlreadyDone(RuleError):
    """The person already did this once, and it may be done only once."""

    code = "already_done"


class AlreadySeconded(AlreadyDone):
    """A member seconds a motion at most once."""

    code = "already_seconded"


class AlreadyVoted(AlreadyDone):
    """A person votes at most once per ballot."""

    code = "already_voted"


class OwnMotion(RuleError):
    """A mover cannot second their own motion."""

    code = "own_motion"


class BallotNotOpen(WrongState):
    """A vote before the ballot opens or after it closes, or a close before its end."""

    code = "ballot_not_open"


class BadChoice(RuleError):
    """A vote or ranking that is not one the ballot allows."""

    code = "bad_choice"


class BadCommand(RuleError):
    """A command whose own values make no sense (too few founders, an empty name, …)."""

    code = "bad_command"


class NotEligible(RuleError):
    """The person may not do this or be acted on so (a term limit, not a party member, …)."""

    code = "not_eligible"


def refusal(code: str, message: str) -> RuleError:
    """The refusal with this code and sentence, as the error class that carries the code.

    For a refusal decided in one place and read back in another (a queued vote refused by the
    book's writer); an unknown code gives a plain `RuleError` with that code.
    """
    pending: list[type[RuleError]] = [RuleError]
    while pending:
        kind = pending.pop()
        if kind.code == code:
            return kind(message)
        pending.extend(kind.__subclasses__())
    error = RuleError(message)
    error.code = code
    return error
