"""Terminal summary tables (rich) for the model results."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from harness.cli.output import readable
from scenarios.models.national_day import KindSummary
from scenarios.models.replications import Comparison, MixSummary
from scenarios.models.rollout.model import RolloutDay, sample_days
from scenarios.models.rollout.review_sizing import ReviewSizing
from scenarios.models.stats import Estimate


def _scaled(estimate: Estimate, unit: float, digits: int = 1) -> str:
    return estimate.scaled(1 / unit).text(digits)


def _interval(estimate: Estimate, reasons: list[str]) -> str:
    """``6.1 [5.6, 6.7]``, or ``0.0 [n/a]`` with the reason added once to ``reasons`` (for the
    caption: a reason in every cell folds a narrow table into tall rows)."""
    if estimate.has_interval:
        return estimate.text(1)
    if estimate.reason not in reasons:
        reasons.append(estimate.reason)
    return escape(f"{estimate.mean:,.1f} [n/a]")


def waiting_room_table(title: str, summaries: list[MixSummary], comparisons: list[Comparison]) -> Table:
    """One row per adoption mix: identification time, waits (95 % intervals), throughput, and the
    paired difference with the first mix."""
    secretary = any(s.secretary_per_day_s.mean > 0 for s in summaries)
    table = Table(title=escape(title), caption=escape("[low, high]: 95 % intervals; Δ: paired over "
                                                      "replications (every mix sees the same patients)"))
    base = summaries[0].mix if summaries else ""
    columns = ["mix", "ident. min/day", "h/week", *(["secretary min/day"] if secretary else []),
               "wait p50 s", "wait p95 s", "patients/day", "paper", f"Δ h/week vs {base}"]
    for column in columns:
        table.add_column(column, justify="left" if column == "mix" else "right")
    differences = {c.mix: c.hours_per_week.text(2) for c in comparisons}
    for s in summaries:
        table.add_row(s.mix, _scaled(s.identification_per_day_s, 60),
                      _scaled(s.identification_per_week_s, 3600),
                      *([_scaled(s.secretary_per_day_s, 60)] if secretary else []),
                      _scaled(s.wait_p50_s, 1, 0), _scaled(s.wait_p95_s, 1, 0),
                      f"{s.throughput_per_day.mean:.1f}",
                      str(s.methods.get("paper", 0)), differences.get(s.mix, "-"))
    return table


def rollout_table(days: list[RolloutDay], rows: int = 12, title: str = "national rollout") -> Table:
    """About ``rows`` evenly spaced modelled days, always including the last."""
    table = Table(title=title,
                  caption="*: a published activation count (the curve goes through it)")
    table.add_column("date", no_wrap=True)
    for column in ("insured", "new/day", "pract.", "operators", "wait min", "peak req/s", "ident. h/day"):
        table.add_column(column, justify="right")
    for d in sample_days(days, rows):
        date = d.date.isoformat() + ("*" if d.public_point else "")
        table.add_row(date, f"{d.activations:,.0f}", f"{d.new_activations:,.0f}",
                      f"{d.practitioners:,.0f}", str(d.operators), f"{d.operator_wait.minutes:.1f}",
                      readable(d.peak_requests_per_s), f"{d.identification_time.hours:,.0f}")
    return table


def review_queue_table(sizings: list[ReviewSizing]) -> Table:
    """Operators per shift found by the SimPy review queue, beside Erlang C's, with the waits."""
    statistic = sizings[0].target_statistic if sizings else "p95"
    target = sizings[0].target_wait.minutes if sizings else 0.0
    table = Table(title=f"identity-check review queue (SimPy; {statistic} wait ≤ {target:g} min)")
    table.add_column("date", no_wrap=True)
    for column in ("videos/day", "operators/shift", "Erlang C", "mean wait min", "p95 wait min",
                   "operator h/day", "of which overtime", "close-out reviews", "utilisation ≥ 1"):
        table.add_column(column, justify="right")
    reasons: list[str] = []
    for s in sizings:
        table.add_row(s.date.isoformat(), f"{s.video_enrolments:,.0f}", str(s.operators),
                      str(s.erlang_operators), _interval(s.mean_wait_min, reasons),
                      _interval(s.p95_wait_min, reasons),
                      f"{s.operator_hours:,.1f}", f"{s.overtime_hours:,.1f}", f"{s.close_out_reviews:,.0f}",
                      f"[bold red]{len(s.warnings)} WARNING[/]" if s.warnings else "-")
    if sizings:
        unjudged = f"[n/a]: no interval ({'; '.join(reasons)}). " if reasons else ""
        table.caption = escape(f"{unjudged}operator h/day: every shift in full plus overtime closing out the "
                               f"queue. Last day: {sizings[-1].explanation}")
    return table


def rig_reads_table(title: str, rows: list[dict]) -> Table:
    """Measured read times on a rig beside the modelled ones, per method."""
    table = Table(title=title)
    table.add_column("method")
    for column in ("reads", "modelled mean s", "measured mean s", "measured p95 s", "failed"):
        table.add_column(column, justify="right")

    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.4f}"

    for row in rows:
        table.add_row(row["method"], str(row["reads"]), seconds(row["modelled_mean_s"]),
                      seconds(row["measured_mean_s"]), seconds(row["measured_p95_s"]), str(row["failed"]))
    return table


def national_table(title: str, summaries: list[KindSummary]) -> Table:
    """Per kind of place and for the country: visits, identification staff-hours, waits (95 % intervals)."""
    table = Table(title=escape(title), caption=escape("mean over replications [95 % interval]"))
    table.add_column("places")
    for column in ("visits", "identification staff-h", "wait p50 s", "wait p95 s"):
        table.add_column(column, justify="right")
    for s in summaries:
        waits = [w.text(0) if w is not None else "-" for w in (s.wait_p50_s, s.wait_p95_s)]
        table.add_row(s.name, s.visits.text(0), s.identification_hours.text(0), *waits)
    return table
