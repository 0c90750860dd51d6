"""The HTML report of ``apcv-hil waiting-room``: summary with intervals, mix comparison, plots."""

from __future__ import annotations

from pathlib import Path

from scenarios.models.replications import Comparison, MixSummary
from scenarios.models.report import ModelReport, ReportTable, interval_cells, number


def summary_table(summaries: list[MixSummary]) -> ReportTable:
    """One row per mix: identification time, waits and throughput with their 95 % intervals, paper claims."""
    low_high = ["95 % low", "95 % high"]
    columns = ["mix", "identification min/day", *low_high, "h/week", *low_high, "secretary min/day",
               "wait p50 s", *low_high, "wait p95 s", *low_high, "patients/day", *low_high, "paper claims"]
    rows = []
    for s in summaries:
        rows.append([s.mix, *interval_cells(s.identification_per_day_s.scaled(1 / 60)),
                     *interval_cells(s.identification_per_week_s.scaled(1 / 3600)),
                     number(s.secretary_per_day_s.mean / 60),
                     *interval_cells(s.wait_p50_s, 1), *interval_cells(s.wait_p95_s, 1),
                     *interval_cells(s.throughput_per_day, 1), str(s.methods.get("paper", 0))])
    return ReportTable("summary", "Summary (95 % intervals: Student t over replications for means, "
                                  "bootstrap over replications for wait percentiles)", columns, rows)


def comparison_table(summaries: list[MixSummary], comparisons: list[Comparison]) -> ReportTable:
    """Each mix against the first: the paired difference in hours per week, how patients identified."""
    methods = sorted({m for s in summaries for m in s.methods})
    columns = ["mix", f"Δ h/week vs {summaries[0].mix}", "95 % low", "95 % high", "s per patient",
               *(f"{m} (patients)" for m in methods), "failures"]
    differences = {c.mix: c.hours_per_week for c in comparisons}
    rows = []
    for s in summaries:
        served = s.throughput_per_day.mean
        per_patient = s.identification_per_day_s.mean / served if served else 0.0
        failures = ", ".join(f"{k} {v}" for k, v in sorted(s.failures.items())) or "-"
        difference = (interval_cells(differences[s.mix]) if s.mix in differences
                      else ["0.00", "-", "-"])
        rows.append([s.mix, *difference, number(per_patient, 1),
                     *(str(s.methods.get(m, 0)) for m in methods), failures])
    return ReportTable("comparison", "Adoption mixes compared", columns, rows,
                       note="Every mix sees the same patients (common random numbers: one random stream per "
                            "patient attribute and per day); differences are paired replication by "
                            "replication, "
                            "with a Student-t interval. Counts are over all days and replications.")


def waiting_room_report(title: str, facts: dict[str, str], summaries: list[MixSummary],
                        comparisons: list[Comparison], plots: list[Path]) -> ModelReport:
    """The page of one waiting-room run."""
    tables = [summary_table(summaries), comparison_table(summaries, comparisons)]
    return ModelReport(title, facts, tables, plots)
