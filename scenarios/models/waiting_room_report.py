"""The HTML report of ``apcv-hil waiting-room``: summary with intervals, mix comparison, plots."""

from __future__ import annotations

from pathlib import Path

from scenarios.models.replications import MixSummary
from scenarios.models.report import ModelReport, ReportTable, number


def summary_table(summaries: list[MixSummary]) -> ReportTable:
    """One row per mix: identification time with its 95 % interval, waits, throughput, paper claims."""
    columns = ["mix", "identification min/day", "95 % low", "95 % high", "h/week", "95 % low", "95 % high",
               "secretary min/day", "wait p50 s", "wait p95 s", "patients/day", "95 % low", "95 % high",
               "paper claims"]
    rows = []
    for s in summaries:
        day, week, served = s.identification_per_day_s, s.identification_per_week_s, s.throughput_per_day
        rows.append([s.mix, number(day.mean / 60), number(day.low / 60), number(day.high / 60),
                     number(week.mean / 3600), number(week.low / 3600), number(week.high / 3600),
                     number(s.secretary_per_day_s.mean / 60),
                     number(s.wait_p50_s, 1), number(s.wait_p95_s, 1),
                     number(served.mean, 1), number(served.low, 1), number(served.high, 1),
                     str(s.methods.get("paper", 0))])
    return ReportTable("summary", "Summary (95 % Student-t intervals over replications)", columns, rows)


def comparison_table(summaries: list[MixSummary]) -> ReportTable:
    """Each mix against the first: hours per week gained or lost, and how patients identified."""
    methods = sorted({m for s in summaries for m in s.methods})
    base = summaries[0].identification_per_week_s.mean
    columns = ["mix", f"h/week vs {summaries[0].mix}", "s per patient", *(f"{m} (patients)" for m in methods),
               "failures"]
    rows = []
    for s in summaries:
        served = s.throughput_per_day.mean
        per_patient = s.identification_per_day_s.mean / served if served else 0.0
        failures = ", ".join(f"{k} {v}" for k, v in sorted(s.failures.items())) or "-"
        gained = (s.identification_per_week_s.mean - base) / 3600
        rows.append([s.mix, f"{gained:+,.2f}", number(per_patient, 1),
                     *(str(s.methods.get(m, 0)) for m in methods), failures])
    return ReportTable("comparison", "Adoption mixes compared", columns, rows,
                       note="Every mix sees the same patients (common random numbers); counts are over all "
                            "days and replications.")


def waiting_room_report(title: str, facts: dict[str, str], summaries: list[MixSummary],
                        plots: list[Path]) -> ModelReport:
    """The page of one waiting-room run."""
    return ModelReport(title, facts, [summary_table(summaries), comparison_table(summaries)], plots)
