"""CSV cast-vote records: the documented layout, refusals with line numbers, round trips."""

from __future__ import annotations

import io
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sovet.count.cvr import CvrError, read_cvr, write_cvr
from sovet.count.profile import Profile


def ballots(profile: Profile) -> Counter[tuple[str, ...]]:
    """The profile as a multiset of rankings by name."""
    out: Counter[tuple[str, ...]] = Counter()
    for row, w in zip(profile.rankings.tolist(), profile.weights.tolist(), strict=True):
        out[tuple(profile.candidates[c] for c in row if c >= 0)] += w
    return out


def test_rows_are_rankings_by_name_with_an_optional_weight() -> None:
    text = "weight,rank1,rank2,rank3\n1,Ana,Bo,\n3,Cy,,\n2,Bo,Ana,Cy\n1,Ana,Bo,\n"
    p = read_cvr(io.StringIO(text), seats=2, title="Tenants")
    assert p.candidates == ("Ana", "Bo", "Cy")  # sorted names when none are given
    assert ballots(p) == {("Ana", "Bo"): 2, ("Cy",): 3, ("Bo", "Ana", "Cy"): 2}
    assert (p.seats, p.title, p.total) == (2, "Tenants", 7)


def test_without_a_weight_column_each_row_is_one_ballot() -> None:
    p = read_cvr(io.StringIO("rank2,rank1\nBo,Ana\nBo,Ana\n"))
    assert ballots(p) == {("Ana", "Bo"): 2}  # columns are taken by rank number, not position


def test_a_blank_rank_moves_the_later_preferences_up() -> None:
    p = read_cvr(io.StringIO("rank1,rank2,rank3\nAna,,Cy\n"))
    assert ballots(p) == {("Ana", "Cy"): 1}


def test_a_repeated_candidate_ends_the_ranking() -> None:
    p = read_cvr(io.StringIO("rank1,rank2,rank3\nAna,Ana,Cy\n"), candidates=["Ana", "Cy"])
    assert ballots(p) == {("Ana",): 1}


def test_the_given_candidates_fix_the_order_and_names_keep_their_spaces() -> None:
    p = read_cvr(io.StringIO("rank1,rank2\nKevin  LANG,Ana \n"),
                 candidates=["Ana ", "Kevin  LANG", "Nobody"])
    assert p.candidates == ("Ana ", "Kevin  LANG", "Nobody")
    assert ballots(p) == {("Kevin  LANG", "Ana "): 1}


@pytest.mark.parametrize(
    ("text", "kwargs", "line", "fault"),
    [
        ("", {}, 1, "the file is empty"),
        ("ballot,rank1\n", {}, 1, "unknown column 'ballot'"),
        ("weight\n", {}, 1, "no rank columns"),
        ("rank1,rank3\n", {}, 1, "none missing"),
        ("weight,rank1\n1,Ana\n0,Bo\n", {}, 3, "positive whole number, not '0'"),
        ("weight,rank1\n1,Ana\nx,Bo\n", {}, 3, "not 'x'"),
        ("rank1\nAna\nEve\n", {"candidates": ["Ana"]}, 3, "'Eve' is not a candidate"),
        ("rank1\nAna,Bo\n", {}, 2, "2 cells but the header 1"),
    ],
)
def test_a_bad_record_is_refused_with_its_line(
    text: str, kwargs: dict[str, object], line: int, fault: str
) -> None:
    with pytest.raises(CvrError) as caught:
        read_cvr(io.StringIO(text), **kwargs)
    assert caught.value.line == line
    assert fault in caught.value.reason


def test_a_missing_file_is_a_clear_error() -> None:
    with pytest.raises(CvrError, match="cannot read"):
        read_cvr("/nonexistent/cvr.csv")


def test_written_record_has_one_row_per_distinct_ranking() -> None:
    p = Profile(candidates=("Ana", "Bo, Jr."), rankings=np.array([[1, 0], [1, 0], [0, -1]],
                                                                  dtype=np.int16),
                weights=np.array([1, 2, 5], dtype=np.int64))
    out = io.StringIO()
    write_cvr(p, out)
    assert out.getvalue() == 'weight,rank1,rank2\n5,Ana,\n3,"Bo, Jr.",Ana\n'


names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                min_size=1, max_size=10).filter(lambda s: bool(s.strip()))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_write_then_read_gives_back_the_same_ballots(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 7))
    cands = tuple(data.draw(st.lists(names, min_size=n, max_size=n, unique=True)))
    rows = data.draw(st.lists(st.tuples(st.permutations(range(n)), st.integers(0, n),
                                        st.integers(1, 1000)), max_size=20))
    ranks = np.full((len(rows), n), -1, dtype=np.int16)
    for i, (perm, k, _) in enumerate(rows):
        ranks[i, :k] = perm[:k]
    p = Profile(candidates=cands, rankings=ranks,
                weights=np.array([w for *_, w in rows], dtype=np.int64))
    out = io.StringIO()
    write_cvr(p, out)
    back = read_cvr(io.StringIO(out.getvalue()), candidates=cands)
    assert back.candidates == cands
    assert ballots(back) == ballots(p)  # blank rankings too: their weight keeps them
