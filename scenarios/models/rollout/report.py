"""The HTML report of ``apcv-hil rollout``: timeline, review queue (SimPy and Erlang C), backend load."""

from __future__ import annotations

from pathlib import Path

from harness.cli.output import readable
from scenarios.models.report import ModelReport, ReportTable, interval_cells, number
from scenarios.models.rollout.model import RolloutDay, sample_days
from scenarios.models.rollout.review_sizing import ReviewSizing


def timeline_table(days: list[RolloutDay]) -> ReportTable:
    """Evenly spaced modelled days."""
    columns = ["date", "insured", "new/day", "practitioners", "operators (Erlang C)", "Erlang C wait min",
               "apCV visits/day", "peak requests/s", "identification h/day"]
    rows = [[d.date.isoformat(), number(d.activations, 0), number(d.new_activations, 0),
             number(d.practitioners, 0), str(d.operators), number(d.operator_wait.minutes),
             number(d.apcv_visits, 0), readable(d.peak_requests_per_s),
             number(d.identification_time.hours, 0)]
            for d in sample_days(days)]
    return ReportTable("timeline", "National rollout", columns, rows)


def review_table(sizings: list[ReviewSizing]) -> ReportTable:
    """Operators per shift by simulation, Erlang C's count, waits with 95 % intervals."""
    columns = ["date", "videos/day", "operators/shift (SimPy)", "operators (Erlang C)", "mean wait min",
               "95 % low", "95 % high", "p95 wait min", "95 % low", "95 % high", "operator h/day",
               "of which overtime", "close-out reviews", "utilisation warnings"]
    rows = [[s.date.isoformat(), number(s.video_enrolments, 0), str(s.operators), str(s.erlang_operators),
             *interval_cells(s.mean_wait_min), *interval_cells(s.p95_wait_min),
             number(s.operator_hours, 1), number(s.overtime_hours, 1), number(s.close_out_reviews, 0),
             "; ".join(s.warnings) or "-"] for s in sizings]
    note = ""
    if sizings:
        note = (f"Fewest operators per shift whose {sizings[0].target_statistic} wait stays within "
                f"{sizings[0].target_wait.minutes:g} min (SimPy, enrolments by hour of day, shifts); "
                "Erlang C "
                "sizes the busiest hour of the same hourly profile as a stationary M/M/c queue on the mean "
                f"wait. Last day: {sizings[-1].explanation}. Operator hours count every shift in full and "
                "the overtime spent closing out the queue.")
    return ReportTable("review", "Identity-check review queue", columns, rows, note)


def hourly_table(hourly: dict[int, float]) -> ReportTable:
    """Backend requests per second in each hour of the last modelled day."""
    rows = [[f"{hour:02d}:00", readable(rate)] for hour, rate in sorted(hourly.items())]
    return ReportTable("hourly", "Backend load by hour (last modelled day)", ["hour", "requests/s"], rows)


def rollout_report(facts: dict[str, str], days: list[RolloutDay], sizings: list[ReviewSizing],
                   hourly: dict[int, float], plots: list[Path], links: list[str]) -> ModelReport:
    """The page of one rollout run."""
    return ModelReport("National rollout", facts,
                       [timeline_table(days), review_table(sizings), hourly_table(hourly)], plots, links)
