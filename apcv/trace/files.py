"""Trace files written as events come: ``<stem>.jsonl`` and ``<stem>.pcapng`` side by side."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from apcv.trace.events import TraceEvent
from apcv.trace.pcapng import PcapngWriter


class TraceFiles:
    """The two trace files of one run, open for appending batches of events.

    A long run writes each batch and forgets it (e.g. ``read --count 10000``), so it is traced
    whole without keeping its events in memory. Closing finishes the pcapng (see
    :class:`~apcv.trace.pcapng.PcapngWriter`) and the files.
    """

    def __init__(self, directory: str | Path, stem: str, if_name: str = "") -> None:
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        self.paths = {"jsonl": folder / f"{stem}.jsonl", "pcapng": folder / f"{stem}.pcapng"}
        self._jsonl = self.paths["jsonl"].open("w", encoding="ascii")
        self._pcapng_file = self.paths["pcapng"].open("wb")
        self._pcapng = PcapngWriter(self._pcapng_file, if_name)

    def write(self, events: Iterable[TraceEvent]) -> None:
        """Append ``events`` to both files."""
        batch = list(events)
        self._jsonl.writelines(json.dumps(e.to_json()) + "\n" for e in batch)
        self._pcapng.write(batch)

    def close(self) -> dict[str, Path]:
        """Finish both files (once); their paths by kind."""
        if not self._pcapng_file.closed:
            self._pcapng.close()
            self._pcapng_file.close()
            self._jsonl.close()
        return self.paths

    def __enter__(self) -> TraceFiles:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
