"""Rich output of the CLI: consoles and tables that never cut a value.

Rich sizes a console that is not a terminal (a pipe, a file, a test's captured output) at 80
columns, or ``$COLUMNS``, and a table too wide for its console shrinks its columns and cuts
their values with an ellipsis (``17.7±23…``). Here a console that is not a terminal is as wide
as its longest line needs, and every table column folds what does not fit onto the next line
instead of cutting it, so a narrow terminal shows every character too.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

PIPED_WIDTH = 10_000
"""Width of a console that is not a terminal: lines are never wrapped for a pipe or a file."""


def make_console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr); not on a terminal, it is wide enough for any line."""
    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=PIPED_WIDTH)


def folding(table: Table) -> Table:
    """``table`` with every column folding what does not fit instead of cutting it."""
    for column in table.columns:
        column.overflow = "fold"
        column.no_wrap = False
    return table


def print_table(table: Table, console: Console | None = None) -> None:
    """Print ``table`` whole, on ``console`` or on a new stdout console."""
    (console or make_console()).print(folding(table))
