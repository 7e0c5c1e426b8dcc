"""The pure domain of a council: acts, charter, rules, state, and the book's hashing.

Nothing here imports Django, reads a clock, draws randomness or does I/O: times and
seeds are arguments. Importing the package registers every act kind and its `apply` handler,
so `replay` knows them all.
"""

from sovet.core import (  # noqa: F401  (imported for their act kinds and handlers)
    action,
    ballot,
    charter,
    council,
    declaration,
    election,
    federation,
    founding,
    membership,
    motion,
    office,
    party,
    petition,
)
from sovet.core.charter import Charter
from sovet.core.council import CouncilState, Decision, apply, decide, replay

__all__ = ["Charter", "CouncilState", "Decision", "apply", "decide", "replay"]
