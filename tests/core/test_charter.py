"""The charter: defaults, its book encoding, and every invalid value refused with its rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sovet.core.charter import ADMISSION_PROCEDURES, MOTION_KINDS, Charter, at_least
from sovet.core.errors import BadCharter, UnknownKind


def test_the_default_charter_is_valid_and_asks_two_thirds_to_amend_or_expel():
    c = Charter().validate()
    assert c.threshold("charter_amendment") == (2, 3)
    assert c.threshold("expulsion") == (2, 3)
    assert c.threshold("resolution") == (1, 2)
    assert c.is_secret("election") and c.is_secret("recall") and c.is_secret("admission")
    assert not c.is_secret("resolution") and not c.is_secret("charter_amendment")
    assert c.min_founders == 3 and c.min_published_voters == 50


def test_the_charter_travels_in_the_book_as_flat_entries_and_comes_back_equal():
    c = Charter(quorum=(1, 2), barred=("owns",), secret=("recall",),
                thresholds=(("resolution", 3, 5),), voting_days=(("recall", 2),))
    entries = c.to_entries()
    assert all(isinstance(e, tuple) and all(isinstance(v, str | int) for v in e) for e in entries)
    assert Charter.from_entries(entries) == c


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"quorum": (3, 2)}, BadCharter, "quorum is 3/2, over 100 %"),
        ({"thresholds": (("expulsion", 5, 4),)}, BadCharter, "expulsion is 5/4, over"),
        ({"thresholds": (("resolution", 1, 3),)}, BadCharter, "must be at least 1/2"),
        ({"term_days": 0}, BadCharter, "term_days must be a whole number of at least 1"),
        ({"thresholds": (("coup", 1, 2),)}, UnknownKind, "names motion kind 'coup', which is"),
        ({"secret": ("coup",)}, UnknownKind, "charter rule secret names motion kind 'coup'"),
        ({"admission": "by_decree"}, BadCharter, "admission procedure 'by_decree' is unknown"),
        ({"barred": ("kings",)}, BadCharter, "barred declaration kind 'kings' is unknown"),
        ({"recall_threshold": (0, 4)}, BadCharter, "recall_threshold is 0/4; it must be above"),
        ({"quorum": (1, 0)}, BadCharter, "positive denominator"),
        ({"voting_days": (("recall", 0),)}, BadCharter, "voting period for recall must be"),
        ({"sponsors": -1}, BadCharter, "sponsors must be a whole number"),
        ({"min_founders": 0}, BadCharter, "min_founders must be a whole number of at least 1"),
    ],
)
def test_an_invalid_charter_value_is_refused_naming_the_rule(changes, error, message):
    with pytest.raises(error, match=message):
        Charter(**changes).validate()


def test_an_unreadable_charter_entry_is_refused():
    with pytest.raises(BadCharter, match="no rule 'king'"):
        Charter.from_entries((("king", "ana"),))


@settings(max_examples=60)
@given(
    admission=st.sampled_from(ADMISSION_PROCEDURES),
    sponsors=st.integers(0, 9),
    quorum=st.integers(1, 10).flatmap(lambda d: st.tuples(st.integers(1, d), st.just(d))),
    secret=st.lists(st.sampled_from(MOTION_KINDS), unique=True).map(tuple),
    days=st.integers(1, 60),
)
def test_any_valid_charter_round_trips_through_its_entries(admission, sponsors, quorum, secret,
                                                           days):
    c = Charter(admission=admission, sponsors=sponsors, quorum=quorum, secret=secret,
                term_days=days).validate()
    assert Charter.from_entries(c.to_entries()) == c


@given(count=st.integers(0, 200), total=st.integers(0, 200), d=st.integers(1, 12),
       data=st.data())
def test_at_least_is_the_exact_fraction(count, total, d, data):
    from fractions import Fraction

    n = data.draw(st.integers(0, d))
    assert at_least(count, total, (n, d)) == (Fraction(count) >= Fraction(n, d) * total)
