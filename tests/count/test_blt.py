"""BLT: the variants real files use, refusals with the line and the fault, and round trips."""

from __future__ import annotations

import io
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sovet.count import blt
from sovet.count.blt import BltError, read_blt, write_blt
from sovet.count.profile import Profile


def ballots(profile: Profile) -> Counter[tuple[int, ...]]:
    """The profile as a multiset of rankings (names by index), whatever its row order."""
    out: Counter[tuple[int, ...]] = Counter()
    for row, w in zip(profile.rankings.tolist(), profile.weights.tolist(), strict=True):
        out[tuple(c for c in row if c >= 0)] += w
    return out


def test_a_plain_file_is_read_with_rankings_aggregated() -> None:
    p = read_blt(b'3 2\n2 1 2 0\n1 3 0\n1 1 2 0\n1 0\n0\n"Ana"\n"Bo"\n"Cy"\n"Election"\n')
    assert p.candidates == ("Ana", "Bo", "Cy")
    assert p.seats == 2
    assert p.title == "Election"
    assert ballots(p) == {(0, 1): 3, (2,): 1, (): 1}
    assert p.total == 5
    assert p.rankings.shape[0] == 3  # identical rankings share a row
    assert p.rankings.dtype == np.int16 and p.weights.dtype == np.int64


def test_fixed_width_lines_padded_with_spaces_and_crlf_are_read() -> None:
    pad = " " * 40
    text = (f"3 1{pad}\r\n2 1 3 0{pad}\r\n1 2 0{pad}\r\n0{pad}\r\n"
            f'"Kevin  LANG"{pad}\r\n"Ana "{pad}\r\n"Cy"{pad}\r\n"Ward 1 - Almond"{pad}\r\n')
    p = read_blt(text.encode())
    assert p.candidates == ("Kevin  LANG", "Ana ", "Cy")  # inner and trailing spaces kept
    assert p.title == "Ward 1 - Almond"
    assert ballots(p) == {(0, 2): 2, (1,): 1}


def test_unquoted_names_and_title_are_read_as_written() -> None:
    p = read_blt(b"2 1\n3 1 2 0\n0\nNeil BENNY (Con)\nGordon BRUCE (LD)\nStirling West Ward\n")
    assert p.candidates == ("Neil BENNY (Con)", "Gordon BRUCE (LD)")
    assert p.title == "Stirling West Ward"


def test_free_text_after_the_title_is_ignored() -> None:
    p = read_blt(b'2 1\n1 1 0\n0\n"A"\n"B"\n"Title"\n"Author"\nFirst Prefs\n  0119 32\n')
    assert p.title == "Title"
    assert p.candidates == ("A", "B")


def test_several_quoted_names_on_one_line() -> None:
    p = read_blt(b'3 1\n1 1 0\n0\n"A" "B" "C"\n"Title"\n')
    assert p.candidates == ("A", "B", "C")
    assert p.title == "Title"


def test_withdrawn_candidates_by_minus_line_and_by_option() -> None:
    minus = read_blt(b'4 2\n-2 -4\n1 1 2 0\n0\n"A"\n"B"\n"C"\n"D"\n"T"\n')
    option = read_blt(b'4 2\n[withdrawn 2 4]\n1 1 2 0\n0\n"A"\n"B"\n"C"\n"D"\n"T"\n')
    assert minus.withdrawn == option.withdrawn == frozenset({1, 3})


def test_nicknames_withdrawn_by_nickname_and_a_tie_order() -> None:
    p = read_blt(b"3 2\n[nick apple banana cherry]\n[withdrawn banana]\n"
                 b"[tie cherry apple banana]\n2 cherry apple 0\n1 banana 0\n0\n"
                 b'"Apple"\n"Banana"\n"Cherry"\n"Fruit"\n')
    assert ballots(p) == {(2, 0): 2, (1,): 1}
    assert p.withdrawn == frozenset({1})
    assert p.tie_order == (2, 0, 1)


def test_a_repeated_candidate_ends_the_ranking_before_the_repeat() -> None:
    p = read_blt(b'3 1\n1 1 2 1 3 0\n2 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n')
    assert ballots(p) == {(0, 1): 3}


@pytest.mark.parametrize("ncand", [9, 12, 20])  # 20: rankings too long for one integer key
def test_fast_and_line_by_line_readers_agree_across_chunk_boundaries(
    monkeypatch: pytest.MonkeyPatch, ncand: int
) -> None:
    rng = np.random.default_rng(ncand)
    lines = []
    for i in range(3000):
        k = int(rng.integers(0, ncand + 1))
        ranking = list(rng.permutation(ncand)[:k] + 1)
        if i % 50 == 0:  # now and then a ranking that repeats someone, even past C marks
            ranking += list(rng.integers(1, ncand + 1, size=3))
        lines.append(" ".join([str(int(rng.integers(1, 400))), *map(str, ranking), "0"]))
    body = "\n".join(lines)
    text = f"{ncand} 3\n{body}\n0\n" + "".join(f'"C{i}"\n' for i in range(ncand)) + '"T"\n'
    monkeypatch.setattr(blt, "_CHUNK", 997)  # many small pieces, each cut at a line end
    fast = read_blt(text.encode())
    slow = blt._Reader(text.encode())
    slow.ncand = ncand
    rankings, weights = slow.read_ballots_by_line(body.encode(), 1)
    assert np.array_equal(fast.rankings, rankings) and np.array_equal(fast.weights, weights)
    assert fast.total == sum(int(line.split()[0]) for line in lines)


@pytest.mark.parametrize(
    ("text", "line", "fault"),
    [
        (b"", 1, "the file is empty"),
        (b"3\n", 1, "expected 'C S'"),
        (b"0 1\n0\n", 1, "at least one candidate"),
        (b'2 1\n1 1 2 0\n', 3, "no end of the ballots"),
        (b'2 1\n1 1 2 0\n1 3 0\n0\n"A"\n"B"\n"T"\n', 3, "'3' is not a candidate"),
        (b'2 1\n1 1 2 0\n0 1 0\n0\n"A"\n"B"\n"T"\n', 3, "positive whole number, not '0'"),
        (b'2 1\n1 1 2\n0\n"A"\n"B"\n"T"\n', 2, "must end with 0"),
        (b'2 1\nx 1 2 0\n0\n"A"\n"B"\n"T"\n', 2, "positive whole number, not 'x'"),
        (b'2 1\n1 1 0\n' + b"9" * 20 + b' 1 0\n0\n"A"\n"B"\n"T"\n', 3, "more ballots than can"),
        (b'2 1\n1 1 0 2 0\n0\n"A"\n"B"\n"T"\n', 2, "0 closes a ballot line"),
        (b'2 1\n1 1 - 2 0\n0\n"A"\n"B"\n"T"\n', 2, "skipped preference"),
        (b'2 1\n1 1=2 0\n0\n"A"\n"B"\n"T"\n', 2, "'1=2' ranks candidates equally"),
        (b'2 1\n1 1 2 0\n0\n"A"\n', 5, "names 1 of its 2 candidates"),
        (b'2 1\n[frobnicate 1]\n1 1 0\n0\n"A"\n"B"\n"T"\n', 2, "unknown option [frobnicate]"),
        (b'2 1\n-3\n1 1 0\n0\n"A"\n"B"\n"T"\n', 2, "withdrawn: '3' is not a candidate"),
        (b'2 1\n[nick a]\n1 a 0\n0\n"A"\n"B"\n"T"\n', 2, "1 nicknames for 2 candidates"),
        (b'3 1\n[tie 1 2]\n1 1 0\n0\n"A"\n"B"\n"C"\n"T"\n', 2, "every candidate exactly once"),
    ],
)
def test_a_bad_file_is_refused_with_its_line_and_fault(text: bytes, line: int, fault: str) -> None:
    with pytest.raises(BltError) as caught:
        read_blt(text)
    assert caught.value.line == line
    assert fault in caught.value.reason
    assert str(caught.value).startswith(f"line {line}: ")


def test_a_missing_file_is_a_clear_error() -> None:
    with pytest.raises(BltError, match="cannot read"):
        read_blt("/nonexistent/ballots.blt")


def test_written_blt_is_aggregated_as_councils_publish() -> None:
    p = Profile(candidates=("A", "B  ", "C"), seats=2, title="Ward 9",
                rankings=np.array([[0, 1], [0, 1], [2, -1]], dtype=np.int16),
                weights=np.array([2, 3, 1], dtype=np.int64), withdrawn=frozenset({2}))
    out = io.StringIO()
    write_blt(p, out)
    assert out.getvalue() == '3 2\n-3\n5 1 2 0\n1 3 0\n0\n"A"\n"B  "\n"C"\n"Ward 9"\n'


def test_write_refuses_a_name_blt_cannot_carry() -> None:
    p = Profile(candidates=('A "the boss"',), rankings=np.zeros((0, 1), dtype=np.int16),
                weights=np.zeros(0, dtype=np.int64))
    with pytest.raises(ValueError, match="double quote"):
        write_blt(p, io.StringIO())


names = st.text(alphabet=st.characters(blacklist_characters='"\n\r',
                                       blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                min_size=1, max_size=12).filter(lambda s: s.strip() == s and bool(s))


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    n = draw(st.integers(1, 9))
    cands = tuple(draw(st.lists(names, min_size=n, max_size=n, unique=True)))
    rows = draw(st.lists(st.tuples(st.permutations(range(n)), st.integers(0, n),
                                   st.integers(1, 10**6)), max_size=25))
    depth = max([k for _, k, _ in rows] + [1])
    ranks = np.full((len(rows), depth), -1, dtype=np.int16)
    for i, (perm, k, _) in enumerate(rows):
        ranks[i, :k] = perm[:k]
    weights = np.array([w for _, _, w in rows], dtype=np.int64)
    withdrawn = frozenset(draw(st.sets(st.integers(0, n - 1), max_size=n - 1)))
    tie_order = tuple(draw(st.permutations(range(n)))) if draw(st.booleans()) else ()
    return Profile(candidates=cands, rankings=ranks, weights=weights,
                   seats=draw(st.integers(1, n)), withdrawn=withdrawn,
                   title=draw(names), tie_order=tie_order)


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_write_then_read_gives_back_the_same_election(p: Profile) -> None:
    out = io.BytesIO()
    write_blt(p, out)
    back = read_blt(out.getvalue())
    assert back.candidates == p.candidates
    assert (back.seats, back.title, back.withdrawn) == (p.seats, p.title, p.withdrawn)
    assert back.tie_order == p.tie_order
    assert ballots(back) == ballots(p)
    # The written file is already aggregated: reading it changes nothing more.
    again = io.BytesIO()
    write_blt(back, again)
    assert again.getvalue() == out.getvalue()


@settings(max_examples=60, deadline=None)
@given(profiles(), st.randoms(use_true_random=False))
def test_the_order_of_ballot_lines_does_not_matter(p: Profile, rnd: object) -> None:
    lines = [f"{w} " + " ".join(str(c + 1) for c in row if c >= 0) + (" 0" if any(
        c >= 0 for c in row) else "0") for row, w in zip(p.rankings.tolist(),
                                                         p.weights.tolist(), strict=True)]
    lines = [line.replace("  ", " ") for line in lines]
    shuffled = list(lines)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    head = f"{len(p.candidates)} {p.seats}\n"
    tail = "0\n" + "".join(f'"{c}"\n' for c in p.candidates) + '"T"\n'
    a = read_blt((head + "".join(x + "\n" for x in lines) + tail).encode())
    b = read_blt((head + "".join(x + "\n" for x in shuffled) + tail).encode())
    assert np.array_equal(a.rankings, b.rankings) and np.array_equal(a.weights, b.weights)
    assert ballots(a) == ballots(p)


def test_an_indented_end_line_is_found_even_with_a_0_line_after_the_title() -> None:
    p = read_blt(b'2 1\n3 1 0\n  0\n"A"\n"B"\n"Title"\n0\n')
    assert (p.candidates, p.title, p.total) == (("A", "B"), "Title", 3)


# --- the NumPy reader refuses and accepts exactly what the line-by-line reader does --------

good_pref = st.one_of(st.integers(1, 10).map(str), st.sampled_from(["07", "010"]))
bad_token = st.sampled_from(["11", "12", "00", "0", "x", "1=2", "-", "99999", "0" * 20])
weight = st.one_of(st.integers(1, 10**7).map(str),
                   st.sampled_from(["100", "1000", "007", "9" * 15]))
bad_weight = st.sampled_from(["0", "00", "000", "1" * 16, "x"])
blank = st.sampled_from([" ", " ", "  ", "\t", " \t "])
ending = st.sampled_from(["\n", "\n", "\n", "\r\n", "   \n", "\n\n"])


@st.composite
def ballot_lines(draw: st.DrawFn) -> str:
    """Ballot lines, in the layouts real files use; half the time with one fault somewhere."""
    lines: list[tuple[str, str, list[str], str]] = []
    for _ in range(draw(st.integers(1, 12))):
        prefs = draw(st.lists(good_pref, max_size=12))  # a repeat now and then, past C too
        words = [draw(weight), *prefs, "0"]
        lead = draw(st.sampled_from(["", "", " "]))
        lines.append((lead, draw(blank), words, draw(ending)))
    if draw(st.booleans()):
        words = lines[draw(st.integers(0, len(lines) - 1))][2]
        fault = draw(st.sampled_from(["token", "weight", "closing", "split", "join"]))
        if fault == "token":
            words.insert(draw(st.integers(1, len(words) - 1)), draw(bad_token))
        elif fault == "weight":
            words[0] = draw(bad_weight)
        elif fault == "closing":
            words[-1] = draw(st.sampled_from(["00", "", "x"]))
        elif fault == "split" and len(words) > 2:
            words.insert(draw(st.integers(1, len(words) - 1)), "\n")
        else:
            words.extend([draw(weight), "1", "0"])  # two ballots on one line
    return "".join(lead + sep.join(w for w in words if w) + end for lead, sep, words, end in lines)


@settings(max_examples=400, deadline=None)
@given(ballot_lines(), st.sampled_from([9, 10, 12]), st.sampled_from([1 << 17, 40]))
def test_the_fast_reader_agrees_with_the_line_by_line_reader(
    body: str, ncand: int, chunk: int
) -> None:
    text = (f"{ncand} 2\n{body}0\n" + "".join(f'"C{i}"\n' for i in range(ncand))
            + '"T"\n').encode()

    def outcome() -> tuple[object, ...]:
        try:
            p = read_blt(text)
        except BltError as e:
            return ("refused", e.line, e.reason)
        return ("read", p.rankings.tolist(), p.weights.tolist(), p.rankings.shape)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(blt, "_CHUNK", chunk)  # 40: pieces of a line or two, cut at line ends
        fast = outcome()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(blt, "_parse_numeric", lambda *args: None)
        slow = outcome()
    assert fast == slow


def test_a_0_line_after_the_title_does_not_send_the_file_to_the_slow_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def slow(*args: object) -> None:
        raise AssertionError("the line-by-line reader was used")

    monkeypatch.setattr(blt._Reader, "read_ballots_by_line", slow)
    p = read_blt(b'2 1\n3 1 0\n2 2 1 0\n0\n"A"\n"B"\n"Title"\n0\n  0\n')
    assert (p.title, p.total, ballots(p)) == ("Title", 5, {(0,): 3, (1, 0): 2})
