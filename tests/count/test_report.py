"""The stage table: the truncation loss has its own row when a count lost any value."""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console

from sovet.count.irv import irv
from sovet.count.lot import Lot
from sovet.count.profile import Profile
from sovet.count.report import stage_table
from sovet.count.stv import stv_scottish


def shown(table: object) -> str:
    screen = io.StringIO()
    Console(file=screen, width=200, color_system=None).print(table)
    return screen.getvalue()


def test_a_count_that_lost_value_to_truncation_shows_it_in_full() -> None:
    # Surplus 1 over 7 papers at 0.14285: 0.00005 lost, which two places would show as 0.00.
    p = Profile(("A", "B", "C", "D"), np.array([[0, 1], [2, -1], [3, -1]], dtype=np.int16),
                np.array([7, 5, 4]), seats=2)
    text = shown(stage_table(stv_scottish(p, lot=Lot(1))))
    row = next(line for line in text.splitlines() if "lost to truncation" in line)
    cells = [c for c in row.split() if c[:1].isdigit()]
    assert cells[:2] == ["0.00000", "0.00005"]


def test_a_count_that_lost_nothing_has_no_loss_row() -> None:
    p = Profile(("A", "B"), np.array([[0], [1]], dtype=np.int16), np.array([3, 2]))
    assert "lost to truncation" not in shown(stage_table(irv(p, lot=Lot(1))))
