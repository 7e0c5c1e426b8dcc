"""A count drawn as a picture a member can read at a glance on a phone (SVG or PNG).

Stage counts: each candidate's votes at each stage as a line, the quota as a dashed line, the
elected in colour with a tick and their names at the right, the excluded in grey ending with a
cross where they went out. One-stage counts (approval, a first-round majority) are bars;
Schulze adds the strongest-path matrix as a grid. A bare `Figure`, never pyplot, so drawing needs
no display and touches no global state.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sovet.count.report import ballots_counted, method_name
from sovet.count.result import CountError, Result

FORMATS = (".svg", ".png")

_ELECTED = ["#1b7837", "#2166ac", "#b2182b", "#7b3294", "#e08214", "#01665e", "#c51b7d",
            "#35978f", "#8c510a", "#4d4d4d"]
_LOSER = "#5f5f5f"
_EXCLUDED = "#b8b8b8"
_QUOTA = "#d6604d"


def _spread(ys: list[float], gap: float) -> list[float]:
    """Move label heights apart so no two are closer than `gap`, keeping their order."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    out = list(ys)
    for k in range(1, len(order)):
        below, here = order[k - 1], order[k]
        out[here] = max(out[here], out[below] + gap)
    # Shift down if the top went far above where it started, so the labels stay near the lines.
    if order:
        top = order[-1]
        excess = out[top] - max(ys[top], max(ys))
        if excess > 0:
            floor = min(ys) - gap
            for i in order:
                out[i] = max(floor, out[i] - excess)
            for k in range(1, len(order)):
                below, here = order[k - 1], order[k]
                out[here] = max(out[here], out[below] + gap)
    return out


def _number(value: float, scale: int) -> str:
    if scale == 1 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _short(name: str, width: int = 22) -> str:
    name = " ".join(name.split())
    return name if len(name) <= width else name[: width - 1] + "…"


def _stage_lines(ax: Axes, result: Result) -> None:
    scale = result.scale
    n = len(result.rounds)
    x = np.arange(1, n + 1)
    votes = np.array([r.votes for r in result.rounds], dtype=np.float64) / scale
    elected_at: dict[int, int] = {}
    excluded_at: dict[int, int] = {}
    for i, r in enumerate(result.rounds):
        for c in r.elected:
            elected_at.setdefault(c, i)
        for c in r.excluded:
            excluded_at.setdefault(c, i)
    for c in result.elected:
        elected_at.setdefault(c, n - 1)
    colour = {c: _ELECTED[k % len(_ELECTED)] for k, c in enumerate(result.elected)}
    top = float(votes.max()) if votes.size else 1.0

    quotas = [r.quota for r in result.rounds]
    if any(q is not None for q in quotas):
        q = np.array([np.nan if v is None else v / scale for v in quotas])
        known = q[~np.isnan(q)]
        label = "majority" if result.method == "irv" else "quota"
        if np.all(known == known[0]):
            # A fixed quota: one line across the whole chart, above the lines it crosses.
            ax.axhline(known[0], color=_QUOTA, linestyle=(0, (6, 3)), linewidth=2, zorder=6)
        else:
            ax.step(x, q, where="mid", color=_QUOTA, linestyle=(0, (6, 3)), linewidth=2,
                    zorder=6)
        # Labelled at the first stage: the end of the chart is where the winners' names crowd.
        ax.annotate(
            f"{label} {_number(float(known[0]), scale)}",
            (x[0], known[0]), xytext=(2, 4), textcoords="offset points", ha="left",
            color=_QUOTA, fontsize=11, fontweight="bold", va="bottom", zorder=7,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                  "alpha": 0.85},
        )
        top = max(top, float(np.nanmax(q)))

    labels: list[tuple[float, str, str, bool]] = []
    standing = [c for c in range(len(result.candidates)) if votes[:, c].any()]
    for c in standing:
        end = excluded_at.get(c, n - 1)
        # An excluded candidate's line stops at the last stage they held votes.
        stop = end if c not in excluded_at else max(end - 1, 0)
        xs, ys = x[: stop + 1], votes[: stop + 1, c]
        if c in colour:
            ax.plot(xs, ys, color=colour[c], linewidth=3.2, zorder=4, solid_capstyle="round")
            at = elected_at[c]
            ax.plot([x[at]], [votes[at, c]], marker="o", markersize=9, color=colour[c],
                    markeredgecolor="white", markeredgewidth=1.5, zorder=5)
            labels.append((float(ys[-1]), "✓ " + _short(result.candidates[c]), colour[c], True))
        elif c in excluded_at:
            ax.plot(xs, ys, color=_EXCLUDED, linewidth=1.6, zorder=3)
            ax.plot([xs[-1]], [ys[-1]], marker="x", markersize=7, color=_LOSER,
                    markeredgewidth=2, zorder=3)
            if stop == n - 1:
                labels.append((float(ys[-1]), _short(result.candidates[c]), _LOSER, False))
            else:
                ax.annotate(
                    _short(result.candidates[c], 16), (xs[-1], ys[-1]), xytext=(4, -3),
                    textcoords="offset points", fontsize=8.5, color=_LOSER, va="top",
                )
        else:
            ax.plot(xs, ys, color=_LOSER, linewidth=2, zorder=3)
            labels.append((float(ys[-1]), _short(result.candidates[c]), _LOSER, False))

    if labels:
        heights = _spread([y for y, *_ in labels], gap=top * 0.045)
        for (y0, text, col, bold), y in zip(labels, heights, strict=True):
            ax.annotate(
                text, (x[-1], y0), xytext=(x[-1] + 0.15, y), textcoords="data",
                fontsize=11 if bold else 9.5, fontweight="bold" if bold else "normal",
                color=col, va="center", annotation_clip=False,
                arrowprops={"arrowstyle": "-", "color": col, "linewidth": 0.6, "alpha": 0.6}
                if abs(y - y0) > top * 0.02 else None,
            )
    ax.set_xlim(0.8, n + 0.2)
    ax.set_ylim(0, top * 1.08)
    ax.set_xticks(x)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.set_xlabel("stage of the count", fontsize=10)
    ax.set_ylabel("votes", fontsize=10)


def _bars(ax: Axes, result: Result) -> None:
    scale = result.scale
    r = result.rounds[-1]
    order = sorted(range(len(result.candidates)), key=lambda c: r.votes[c])
    values = [r.votes[c] / scale for c in order]
    colours = [
        _ELECTED[result.elected.index(c) % len(_ELECTED)] if c in result.elected else _EXCLUDED
        for c in order
    ]
    names = [
        ("✓ " if c in result.elected else "") + _short(result.candidates[c]) for c in order
    ]
    ax.barh(range(len(order)), values, color=colours, height=0.7)
    ax.set_yticks(range(len(order)), names, fontsize=11)
    for t, c in zip(ax.get_yticklabels(), order, strict=True):
        if c in result.elected:
            t.set_fontweight("bold")
    top = max(values) if values else 1.0
    for i, v in enumerate(values):
        ax.text(v + top * 0.01, i, _number(v, scale),
                va="center", fontsize=10)
    if r.quota is not None:
        ax.axvline(r.quota / scale, color=_QUOTA, linestyle=(0, (6, 3)), linewidth=2)
        label = "majority" if result.method == "irv" else "quota"
        ax.text(r.quota / scale, len(order) - 0.4, f" {label}", color=_QUOTA,
                fontweight="bold", fontsize=10, va="bottom")
    ax.set_xlim(0, top * 1.15)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    what = {"approval": "approvals", "schulze": "first preferences"}.get(result.method, "votes")
    ax.set_xlabel(what, fontsize=10)


def _matrix(ax: Axes, result: Result) -> None:
    assert result.matrix is not None  # only called for Schulze results
    m = np.array(result.matrix, dtype=np.float64)
    order = [c for group in (result.ranking or ()) for c in group] or list(range(len(m)))
    m = m[np.ix_(order, order)]
    ax.imshow(m, cmap="Greens", aspect="equal")
    names = [_short(result.candidates[c], 14) for c in order]
    ax.set_xticks(range(len(order)), names, rotation=45, ha="right", fontsize=9)
    ax.set_yticks(range(len(order)), names, fontsize=9)
    hi = float(m.max()) or 1.0
    for i in range(len(order)):
        for j in range(len(order)):
            if i != j:
                beats = m[i, j] > m[j, i]
                ax.text(j, i, f"{m[i, j]:.0f}", ha="center", va="center", fontsize=9,
                        fontweight="bold" if beats else "normal",
                        color="white" if m[i, j] > hi * 0.6 else "black")
    ax.set_title("strongest paths: row over column (bold = beats)", fontsize=10)


def draw_chart(result: Result, path: str | os.PathLike[str]) -> Path:
    """Draw `result` to `path` (.svg or .png) and return the path written.

    Raises `CountError` for another file type or a file that cannot be written.
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise CountError(
            f"cannot draw a chart as {out.name!r}: give a file name ending in .svg or .png.",
        )
    if not result.rounds:
        raise CountError("this count has no stages to draw.")
    schulze = result.matrix is not None
    fig = Figure(figsize=(7.2, 11.5 if schulze else 8.0), layout="constrained")
    if schulze:
        ax, ax2 = fig.subplots(2, 1, height_ratios=[1, 1.1])
    else:
        ax, ax2 = fig.subplots(1, 1), None
    if len(result.rounds) > 1:
        _stage_lines(ax, result)
    else:
        _bars(ax, result)
    if ax2 is not None:
        _matrix(ax2, result)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y" if len(result.rounds) > 1 else "x", color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=10)
    elected = ", ".join(_short(n, 30) for n in result.elected_names) or "no one"
    seats = f"{result.seats} seat" + ("s" if result.seats != 1 else "")
    total = ballots_counted(result)
    ballots = "" if total is None else f" · {total / result.scale:,.0f} ballots"
    fig.suptitle(f"{method_name(result.method)} · {seats}{ballots}", fontsize=14,
                 fontweight="bold")
    ax.set_title(f"Elected: {elected}", fontsize=11.5, color=_ELECTED[0], loc="left",
                 wrap=True)
    try:
        fig.savefig(out, format=suffix[1:], dpi=160)
    except OSError as e:
        raise CountError(f"cannot write the chart to {os.fspath(out)!r}: {e.strerror}.") from None
    return out
