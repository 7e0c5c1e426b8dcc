"""The `tally` command as a Typer app, for `sovet/cli.py` to mount.

Mount it with `app.add_typer(sovet.count.cli.app)` (its one command joins the parent's), or
register the function alone: `app.command("tally")(sovet.count.cli.tally)`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sovet.count.tally import tally_command

app = typer.Typer(add_completion=False, no_args_is_help=True)


class Method(StrEnum):
    """The counting methods `sovet tally` knows."""

    scottish_stv = "scottish-stv"
    meek = "meek"
    irv = "irv"
    schulze = "schulze"
    approval = "approval"


@app.command()
def tally(
    file: Annotated[Path, typer.Argument(help="The ballots, as a BLT file.", show_default=False)],
    method: Annotated[
        Method, typer.Option("--method", "-m", help="How to count.", case_sensitive=False)
    ] = Method.scottish_stv,
    seats: Annotated[
        int | None,
        typer.Option(help="Seats to fill. [default: the BLT header's]", show_default=False),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            help="Seed of the lot that breaks ties the rule leaves standing. "
            "[default: from the file's SHA-256, so every recount draws the same]",
            show_default=False,
        ),
    ] = None,
    json: Annotated[
        bool, typer.Option("--json", help="Print the count's record as JSON instead.")
    ] = False,
    chart: Annotated[
        Path | None,
        typer.Option(help="Draw the count to this file (.svg or .png).", show_default=False),
    ] = None,
) -> None:
    """Count a BLT file and print its stages.

    Methods: scottish-stv (the Scottish Local Government Elections Order 2007), meek (Meek STV,
    the PRF reference rule), irv (instant-runoff, one seat), schulze (one seat; prints the
    ranking and the strongest paths), approval (each ballot approves every candidate it lists).
    """
    status = tally_command(file, method.value, seats, json, chart, seed=seed)
    if status:
        raise typer.Exit(status)
