"""Yes/no/abstain under a charter's quorum and threshold."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sovet.count.majority import majority
from sovet.count.result import CountError


def test_a_simple_majority_needs_more_yes_than_no() -> None:
    assert majority(6, 5, 3, electorate=20).outcome == "carried"
    assert majority(5, 5, 0, electorate=20).outcome == "defeated"
    assert majority(5, 5, 0, electorate=20).needed == 6


def test_abstentions_count_toward_the_quorum_but_not_as_votes() -> None:
    # 10 of 30 took part; quorum one third is met only with the 4 abstentions.
    outcome = majority(4, 2, 4, electorate=30, quorum=(1, 3))
    assert outcome.quorate and outcome.carried and outcome.quorum_needed == 10
    assert majority(4, 2, 3, electorate=30, quorum=(1, 3)).outcome == "inquorate"


def test_two_thirds_means_at_least_two_thirds() -> None:
    assert majority(20, 10, electorate=40, threshold=(2, 3), inclusive=True).carried
    assert not majority(19, 10, electorate=40, threshold=(2, 3), inclusive=True).carried
    assert not majority(20, 10, electorate=40, threshold=(2, 3)).carried


def test_counting_abstentions_against_or_the_whole_electorate() -> None:
    assert not majority(6, 5, 3, electorate=20, base="present").carried
    assert majority(9, 5, 3, electorate=20, base="present").carried
    assert not majority(10, 0, 0, electorate=20, base="electorate").carried
    assert majority(11, 0, 0, electorate=20, base="electorate").carried


def test_nothing_is_carried_without_a_yes() -> None:
    assert majority(0, 0, 5, electorate=5, threshold=(0, 1), inclusive=True).outcome == "defeated"


def test_bad_numbers_are_refused_with_a_reason() -> None:
    with pytest.raises(CountError, match="electorate is only 10"):
        majority(8, 3, electorate=10)
    with pytest.raises(CountError, match="whole number >= 0"):
        majority(-1, 3, electorate=10)
    with pytest.raises(CountError, match="not a fraction between 0 and 1"):
        majority(1, 0, electorate=10, threshold=(3, 2))
    with pytest.raises(CountError, match="fraction of two integers"):
        majority(1, 0, electorate=10, quorum=(0.5, 1))  # type: ignore[arg-type]


@given(
    st.integers(0, 200),
    st.integers(0, 200),
    st.integers(0, 200),
    st.integers(0, 200),
    st.tuples(st.integers(1, 12), st.integers(0, 12)),
    st.tuples(st.integers(1, 12), st.integers(0, 12)),
    st.booleans(),
    st.sampled_from(["cast", "present", "electorate"]),
)
def test_the_outcome_agrees_with_exact_fractions(
    yes: int,
    no: int,
    abstain: int,
    extra: int,
    q: tuple[int, int],
    t: tuple[int, int],
    inclusive: bool,
    base: str,
) -> None:
    electorate = yes + no + abstain + extra
    quorum = (min(q[1], q[0]), q[0])
    threshold = (min(t[1], t[0]), t[0])
    outcome = majority(
        yes, no, abstain, electorate=electorate, quorum=quorum, threshold=threshold,
        inclusive=inclusive, base=base,  # type: ignore[arg-type]
    )
    pool = {"cast": yes + no, "present": yes + no + abstain, "electorate": electorate}[base]
    quorate = Fraction(yes + no + abstain) >= Fraction(*quorum) * electorate
    share = Fraction(*threshold) * pool
    passes = yes > 0 and (yes >= share if inclusive else yes > share)
    assert outcome.outcome == ("inquorate" if not quorate else "carried" if passes else "defeated")
