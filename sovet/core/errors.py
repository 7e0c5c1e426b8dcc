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
