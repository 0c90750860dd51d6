"""The HTML report of the model commands: self-contained, figures equal to the JSON output."""

from __future__ import annotations

import base64
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import cli
from scenarios.models.report import ModelReport, ReportTable, render_report


class ReportPage(HTMLParser):
    """Tables (by id: rows of cell texts), embedded images (decoded) and links of a report page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: list[bytes] = []
        self.links: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self._table = attributes["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag == "td":
            self._cell = []
        elif tag == "img":
            prefix = "data:image/png;base64,"
            source = attributes["src"] or ""
            assert source.startswith(prefix), source[:40]
            self.images.append(base64.b64decode(source[len(prefix):]))
        elif tag == "a":
            self.links.append(attributes["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag == "td" and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def rows(self, table: str) -> list[list[str]]:
        """Body rows of ``table`` (the header row has no td cells)."""
        return [row for row in self.tables[table] if row]


def figure(cell: str) -> float:
    """A number as the report prints it (thousands separated, signed)."""
    return float(cell.replace(",", ""))


def _run(*args: str) -> dict:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.slow  # replicated days, plots
def test_waiting_room_report_embeds_the_plots_and_matches_the_json(tmp_path: Path) -> None:
    data = _run("waiting-room", "--scenario", "gp", "--days", "2", "--replications", "3", "--workers", "1",
                "--mix", "card=100", "--mix", "card=50,qr=50", "--mix", "nfc=100",
                "--plot", str(tmp_path), "--json")
    page_path = Path(data["report"])
    assert page_path == tmp_path / "index.html"
    page = ReportPage(page_path.read_text())
    assert sorted(page.images) == sorted(Path(p).read_bytes() for p in data["plots"])
    assert len(page.images) == 2
    summary = page.rows("summary")
    assert [row[0] for row in summary] == [m["mix"] for m in data["mixes"]]
    for row, mix in zip(summary, data["mixes"], strict=True):
        day, week = mix["identification_per_day_s"], mix["identification_per_week_s"]
        expected = [day["mean"] / 60, day["low"] / 60, day["high"] / 60,
                    week["mean"] / 3600, week["low"] / 3600, week["high"] / 3600]
        assert [figure(c) for c in row[1:7]] == pytest.approx(expected, abs=0.006)
        for column, key in ((8, "wait_p50_s"), (11, "wait_p95_s"), (14, "throughput_per_day")):
            estimate = mix[key]
            assert [figure(c) for c in row[column:column + 3]] == pytest.approx(
                [estimate["mean"], estimate["low"], estimate["high"]], abs=0.06)
        assert int(row[17]) == mix["methods"].get("paper", 0)
    comparison = page.rows("comparison")
    assert comparison[0][1:4] == ["0.00", "-", "-"]
    for row, paired in zip(comparison[1:], data["comparisons"], strict=True):
        difference = paired["identification_h_per_week"]
        assert [figure(c) for c in row[1:4]] == pytest.approx(
            [difference["mean"], difference["low"], difference["high"]], abs=0.006)
        mix = next(m for m in data["mixes"] if m["mix"] == row[0])
        base = data["mixes"][0]["identification_per_week_s"]["mean"]
        assert difference["mean"] == pytest.approx((mix["identification_per_week_s"]["mean"] - base) / 3600)


def test_report_masks_nirs_and_escapes_text() -> None:
    nir = "184127512345678"
    report = ModelReport(f"run for {nir}", {"note": "<script>alert(1)</script>"},
                         [ReportTable("t", "caption", ["who"], [[f"patient {nir}"]])])
    page = render_report(report)
    assert nir not in page
    assert "18412**********" in page
    assert "<script>" not in page


@pytest.mark.slow  # a rollout with its review queue, plots
def test_rollout_report_shows_the_review_queue_and_links_the_exports(tmp_path: Path) -> None:
    data = _run("rollout", "--until", "2025-06-30", "--step-days", "60", "--review-replications", "3",
                "--plot", str(tmp_path), "--export", str(tmp_path / "load"), "--json")
    page = ReportPage((tmp_path / "index.html").read_text())
    pngs = [Path(f) for f in data["files"] if f.endswith(".png")]
    assert len(pngs) == 3 and sorted(page.images) == sorted(p.read_bytes() for p in pngs)
    assert page.links == ["load/rollout_timeline.csv", "load/backend_hourly.csv", "load/locust_shape.py"]
    review = page.rows("review")
    assert [row[0] for row in review] == [s["date"] for s in data["review_queue"]]
    for row, sized in zip(review, data["review_queue"], strict=True):
        assert int(row[2]) == sized["operators_per_shift"]
        assert int(row[3]) == sized["erlang_c_operators"]
        mean, p95 = sized["mean_wait_min"], sized["p95_wait_min"]
        assert [figure(c) for c in row[4:10]] == pytest.approx(
            [mean["mean"], mean["low"], mean["high"], p95["mean"], p95["low"], p95["high"]], abs=0.006)
    hourly = page.rows("hourly")
    assert [figure(row[1]) for row in hourly] == pytest.approx(
        list(data["backend_hourly_requests_per_s"].values()), abs=0.0006)
    days = {d["date"]: d for d in data["days"]}
    for row in page.rows("timeline"):
        assert figure(row[1]) == pytest.approx(days[row[0]]["activations"], abs=0.6)
        assert int(row[4]) == days[row[0]]["operators"]
