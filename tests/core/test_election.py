"""Elections: called by motion, candidates and slates, ranked ballots counted by sovet.count."""

from __future__ import annotations

import pytest
from cast import DAY, ana, bo, cy, dan, eve, fay, founded, refused, replays_to_live

from sovet.core.ballot import BallotBox, BallotSealed, sealed_contents
from sovet.core.charter import Charter
from sovet.core.election import (
    ElectionCounted,
    RankingCast,
    cast_secret_ranking,
    close_election,
    count,
    nominate,
    rank,
    stand_slate,
)
from sovet.core.errors import (
    AlreadyDone,
    AlreadyVoted,
    BadChoice,
    BallotNotOpen,
    NotAMember,
    NotEligible,
    WrongState,
)
from sovet.core.office import holders
from sovet.core.party import found_party, join_party

OPEN = Charter(secret=("admission", "recall"))


def _called(c, *, seats=1, method="irv", subject="chair"):
    number = c.carry(kind="election_call", by=ana, subject=subject, seats=seats, method=method,
                     role="officer")
    return number


def test_a_carried_election_call_opens_an_election_and_creates_the_office():
    c = founded(charter=OPEN)
    e = _called(c)
    election = c.state.election(e)
    assert c.state.offices[election.office].name == "chair"
    assert election.nominations_close == c.now + 7 * DAY
    assert not election.secret


def test_an_open_election_is_counted_and_the_winner_takes_the_mandate():
    c = founded(ana, bo, cy, dan, eve, charter=OPEN)
    e = _called(c)
    c.do(nominate, election=e, person=bo)
    c.do(nominate, election=e, person=cy)
    c.now = c.state.election(e).nominations_close
    for voter, ranking in ((ana, (bo,)), (bo, (bo,)), (cy, (cy, bo)), (dan, (bo, cy)),
                           (eve, (cy,))):
        c.do(rank, election=e, by=voter, ranking=ranking)
    d = c.do(close_election, election=e, seed=5, at=c.state.election(e).closes)
    (counted,) = d.acts
    assert isinstance(counted, ElectionCounted)
    assert counted.elected == (bo,) and counted.ballots == 5 and counted.candidates == (bo, cy)
    office = c.state.election(e).office
    assert holders(c.state, office, c.now) == (bo,)
    assert holders(c.state, office, c.now + 366 * DAY) == ()  # the term is the charter's year
    assert replays_to_live(c)
    # Anyone can recount an open election from the book alone.
    book = [a for a in c.acts if isinstance(a, RankingCast) and a.election == e]
    recount = count(counted.method, counted.seats, counted.candidates,
                    [a.ranking for a in book], counted.seed)
    assert tuple(counted.candidates[i] for i in recount.elected) == counted.elected


def test_a_secret_stv_election_seals_its_ballots_and_can_be_recounted_from_them():
    c = founded(ana, bo, cy, dan, eve, fay)
    e = _called(c, seats=2, method="stv_scottish", subject="committee")
    for p in (ana, bo, cy):
        c.do(nominate, election=e, person=p)
    c.now = c.state.election(e).nominations_close
    box = BallotBox()
    for voter, ranking in ((ana, (ana, bo)), (bo, (bo,)), (cy, (cy, ana)), (dan, (ana,)),
                           (eve, (bo, ana)), (fay, (ana, cy))):
        box.put(cast_secret_ranking(c.state, box, election=e, by=voter, ranking=ranking,
                                    at=c.tick()))
    refused(c.state, rank, WrongState, "is secret", election=e, by=ana, ranking=(ana,),
            at=c.now)
    d = c.do(close_election, election=e, seed=9, box=box, at=c.state.election(e).closes)
    sealed, counted = d.acts
    assert isinstance(sealed, BallotSealed) and sealed.voters == 6
    assert set(counted.elected) == {ana, bo}
    recount = count("stv_scottish", 2, counted.candidates, sealed_contents(d.sealed), 9)
    assert tuple(counted.candidates[i] for i in recount.elected) == counted.elected


def test_only_a_legal_party_stands_a_slate_of_its_members():
    c = founded(ana, bo, cy, dan)
    c.do(found_party, name="Rank and File", platform="Control of line speed", by=bo)
    c.do(join_party, party=1, person=cy)
    c.do(found_party, name="Works Committee", platform="Through the union", by=dan)
    c.carry(kind="party_legalization", by=dan, ref=1)
    e = _called(c, seats=2, method="meek", subject="committee")
    refused(c.state, stand_slate, WrongState, "is proposed; only legal parties stand slates",
            election=e, party=2, candidates=(dan,), by=dan, at=c.now)
    refused(c.state, stand_slate, NotEligible, "dan is not a member of party", election=e,
            party=1, candidates=(bo, dan), by=bo, at=c.now)
    refused(c.state, stand_slate, NotEligible, "only its members can", election=e, party=1,
            candidates=(bo,), by=ana, at=c.now)
    c.do(stand_slate, election=e, party=1, candidates=(bo, cy), by=bo)
    assert c.state.election(e).candidates == {bo: 1, cy: 1}


def test_nominations_and_ballots_are_checked():
    c = founded(ana, bo, cy, charter=OPEN)
    e = _called(c)
    c.do(nominate, election=e, person=bo)
    refused(c.state, nominate, AlreadyDone, "already stands", election=e, person=bo,
            at=c.now)
    refused(c.state, nominate, NotAMember, "only members stand", election=e, person=eve,
            at=c.now)
    refused(c.state, rank, BallotNotOpen, "voting runs from", election=e, by=ana,
            ranking=(bo,), at=c.now)
    c.now = c.state.election(e).nominations_close
    refused(c.state, nominate, WrongState, "nominations closed", election=e, person=cy,
            at=c.now)
    refused(c.state, rank, BadChoice, "cy is not a candidate", election=e, by=ana,
            ranking=(cy,), at=c.now)
    refused(c.state, rank, BadChoice, "each once", election=e, by=ana, ranking=(bo, bo),
            at=c.now)
    c.do(rank, election=e, by=ana, ranking=(bo,))
    refused(c.state, rank, AlreadyVoted, "ana has already voted", election=e, by=ana,
            ranking=(bo,), at=c.now)
    refused(c.state, close_election, BallotNotOpen, "voting runs until", election=e, seed=1,
            at=c.now)
    c.do(close_election, election=e, seed=1, at=c.state.election(e).closes)
    refused(c.state, close_election, WrongState, "already counted", election=e, seed=1,
            at=c.now)


def test_the_term_limit_bars_one_who_has_held_the_office_that_many_times():
    c = founded(ana, bo, cy, charter=Charter(secret=(), term_limit=1))
    e = _called(c)
    c.do(nominate, election=e, person=bo)
    c.now = c.state.election(e).nominations_close
    c.do(rank, election=e, by=ana, ranking=(bo,))
    c.do(close_election, election=e, seed=1, at=c.state.election(e).closes)
    office = c.state.election(e).office
    again = c.carry(kind="election_call", by=ana, subject="chair", ref=office, seats=1,
                    method="irv", role="officer")
    refused(c.state, nominate, NotEligible, "held it 1 times, the charter's term_limit",
            election=again, person=bo, at=c.now)


def test_an_election_with_no_ballots_elects_nobody():
    c = founded(charter=OPEN)
    e = _called(c)
    c.do(nominate, election=e, person=bo)
    d = c.do(close_election, election=e, seed=1, at=c.state.election(e).closes)
    assert d.acts[0].elected == ()


@pytest.mark.parametrize(("method", "seats"),
                         [("irv", 1), ("schulze", 1), ("stv_scottish", 2), ("meek", 2)])
def test_every_method_counts_through_sovet_count(method, seats):
    c = founded(ana, bo, cy, dan, eve, charter=OPEN)
    e = _called(c, seats=seats, method=method, subject="committee")
    for p in (ana, bo, cy):
        c.do(nominate, election=e, person=p)
    c.now = c.state.election(e).nominations_close
    for voter, ranking in ((ana, (ana, bo)), (bo, (bo, ana)), (cy, (cy, ana)), (dan, (ana,)),
                           (eve, (bo, cy))):
        c.do(rank, election=e, by=voter, ranking=ranking)
    d = c.do(close_election, election=e, seed=4, at=c.state.election(e).closes)
    counted = d.acts[-1]
    assert len(counted.elected) == seats and counted.method == method
    assert ana in counted.elected
