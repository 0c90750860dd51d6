"""Rich output of the CLI: consoles and tables that never cut a value.

Rich sizes a console that is not a terminal (a pipe, a file, a test's captured output) at 80
columns, or ``$COLUMNS``, and a table too wide for its console shrinks its columns and cuts
their values with an ellipsis (``17.7±23…``). Here a console that is not a terminal is as wide
as its longest line needs, and every table column folds what does not fit onto the next line
instead of cutting it, so a narrow terminal shows every character too. A column made
``no_wrap`` (dates, identifiers) stays on one line instead. :func:`readable` writes figures
for people: no exponent (``6.93e-06``), thousands separated.
"""

from __future__ import annotations

import math

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

PIPED_WIDTH = 10_000
"""Width of a console that is not a terminal: lines are never wrapped for a pipe or a file."""


def make_console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr); not on a terminal, it is wide enough for any line."""
    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=PIPED_WIDTH)


def folding(table: Table) -> Table:
    """``table`` with every column folding what does not fit instead of cutting it, but for
    ``no_wrap`` columns, kept as wide as their widest cell (a date never breaks over two lines)."""
    for column in table.columns:
        if column.no_wrap:
            column.min_width = max((_width(cell) for cell in column.cells), default=column.min_width)
        else:
            column.overflow = "fold"
    return table


def _width(cell: object) -> int:
    """Terminal cells a table cell takes on one line (markup not counted)."""
    if isinstance(cell, Text):
        return cell.cell_len
    return cell_len(Text.from_markup(cell).plain) if isinstance(cell, str) else 0


SMALLEST = 0.001
"""Below this (in absolute value), :func:`readable` writes ``< 0.001``: a figure people read."""


def readable(value: float, significant: int = 3) -> str:
    """``value`` for people: ``1,234``, ``12.3``, ``0.0116``, ``< 0.001``; never an exponent.

    Whole figures from 1,000 up; ``significant`` digits below, with trailing zeros dropped; a
    magnitude under :data:`SMALLEST` is said as such (JSON output keeps the exact value).
    """
    if not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    if magnitude < SMALLEST:
        return f"< {SMALLEST:g}" if value > 0 else f"> -{SMALLEST:g}"
    if magnitude >= 10 ** (significant - 1) or magnitude >= 1000:
        return f"{value:,.0f}"
    decimals = significant - 1 - math.floor(math.log10(magnitude))
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def print_table(table: Table, console: Console | None = None) -> None:
    """Print ``table`` whole, on ``console`` or on a new stdout console."""
    (console or make_console()).print(folding(table))
