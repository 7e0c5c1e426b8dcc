"""A result's JSON record: lossless, names in `elected`, clear errors for a bad record."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sovet.count.irv import irv
from sovet.count.lot import Lot
from sovet.count.profile import Profile
from sovet.count.result import (
    Result,
    ResultFormatError,
    Round,
    Tie,
    result_from_json,
    result_to_json,
)
from sovet.count.schulze import schulze
from sovet.count.stv import stv_scottish

ints = st.integers(-(2**62), 2**62)
small = st.integers(0, 50)


@st.composite
def results(draw: st.DrawFn) -> Result:
    c = draw(st.integers(1, 6))
    names = tuple(draw(st.lists(st.text(max_size=8), min_size=c, max_size=c)))
    vec = st.lists(ints, min_size=c, max_size=c).map(tuple)
    cands = st.integers(0, c - 1)
    rounds = draw(
        st.lists(
            st.builds(
                Round,
                number=small,
                action=st.text(max_size=20),
                subject=st.none() | cands,
                votes=vec,
                transfers=vec,
                exhausted=ints,
                quota=st.none() | ints,
                elected=st.lists(cands, max_size=3).map(tuple),
                excluded=st.lists(cands, max_size=3).map(tuple),
                note=st.text(max_size=20),
                lost=st.integers(0, 2**62),
            ),
            max_size=5,
        )
    )
    ties = draw(
        st.lists(
            st.builds(
                Tie,
                round=small,
                among=st.lists(cands, min_size=1, max_size=4).map(tuple),
                chosen=cands,
                how=st.sampled_from(["earlier stage", "lot"]),
                seed=st.none() | st.integers(0, 2**63 - 1),
            ),
            max_size=3,
        )
    )
    square = st.lists(st.lists(ints, min_size=c, max_size=c).map(tuple), min_size=c, max_size=c)
    return Result(
        method=draw(st.sampled_from(["irv", "schulze", "scottish-stv", "meek", "approval"])),
        candidates=names,
        seats=draw(st.integers(1, c)),
        elected=tuple(draw(st.lists(cands, max_size=c))),
        rounds=tuple(rounds),
        scale=draw(st.sampled_from([1, 10**5, 10**9])),
        ties=tuple(ties),
        seed=draw(st.none() | st.integers(0, 2**63 - 1)),
        ranking=draw(st.none() | st.lists(st.lists(cands, min_size=1).map(tuple)).map(tuple)),
        matrix=draw(st.none() | square.map(tuple)),
    )


@given(results())
def test_a_result_survives_the_round_trip_through_json_text(result: Result) -> None:
    text = orjson.dumps(result_to_json(result))
    assert result_from_json(orjson.loads(text)) == result


def test_the_record_names_the_elected_as_the_ballots_spell_them() -> None:
    names = ("Ann  Lee ", "Bo", "Cy")
    p = Profile(names, np.array([[0], [1], [2]], dtype=np.int16), np.array([5, 3, 1]))
    record = result_to_json(irv(p, lot=Lot(4)))
    assert record["elected"] == ["Ann  Lee "]
    assert record["elected_positions"] == [0]
    assert record["method"] == "irv" and record["seed"] == 4
    rounds = record["rounds"]
    assert isinstance(rounds, list) and rounds[0]["votes"] == [5, 3, 1]


def test_a_schulze_record_carries_the_ranking_and_the_matrix() -> None:
    p = Profile(("A", "B"), np.array([[0, 1], [1, 0]], dtype=np.int16), np.array([3, 2]))
    record = result_to_json(schulze(p, lot=Lot(0)))
    assert record["ranking"] == [[0], [1]]
    assert record["matrix"] == [[0, 3], [0, 0]]


def test_a_bad_record_is_refused_naming_the_field() -> None:
    p = Profile(("A", "B"), np.array([[0], [1]], dtype=np.int16), np.array([3, 2]))
    record = result_to_json(irv(p, lot=Lot(0)))
    with pytest.raises(ResultFormatError, match="not a sovet-result/1 record"):
        result_from_json({**record, "format": "other"})
    broken = orjson.loads(orjson.dumps(record))
    broken["rounds"][0]["votes"] = [1, "2"]
    with pytest.raises(ResultFormatError, match=r"rounds\[0\]\.votes\[1\] must be an integer"):
        result_from_json(broken)
    broken["rounds"][0]["votes"] = [1, 2]
    del broken["seats"]
    with pytest.raises(ResultFormatError, match="has no 'seats' field"):
        result_from_json(broken)


def test_the_truncation_loss_is_carried_and_an_older_record_without_it_reads_as_zero() -> None:
    p = Profile(("A", "B", "C", "D"), np.array([[0, 1], [2, -1], [3, -1]], dtype=np.int16),
                np.array([7, 5, 4]), seats=2)
    result = stv_scottish(p, lot=Lot(1))
    record = result_to_json(result)
    rounds = record["rounds"]
    assert isinstance(rounds, list)
    assert [r["lost"] for r in rounds] == [r.lost for r in result.rounds]
    assert rounds[1]["lost"] == 5  # 7 papers at 0.14285 carry 0.99995 of a surplus of 1
    assert result_from_json(orjson.loads(orjson.dumps(record))) == result
    older = orjson.loads(orjson.dumps(record))
    for r in older["rounds"]:
        del r["lost"]
    assert [r.lost for r in result_from_json(older).rounds] == [0] * len(rounds)
    older["rounds"][0]["lost"] = "5"
    with pytest.raises(ResultFormatError, match=r"rounds\[0\]\.lost must be an integer"):
        result_from_json(older)
