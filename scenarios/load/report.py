"""A run's results in the report folder: ``summary.json`` for machines, ``summary.md`` for people,
and ``timeline.svg``, the per-second chart with the fault windows shaded, shown in summary.md."""

from __future__ import annotations

import json
from pathlib import Path

from scenarios.load.run import FAULTS_FILE, SUMMARY_FILE, LoadResult
from scenarios.load.summary import EndpointFigures
from scenarios.load.timeline_plot import PLOT_FILE, plot_timeline


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _row(figures: EndpointFigures) -> str:
    return (f"| {figures.method} {figures.name} | {figures.requests} | {figures.failures} "
            f"| {_ms(figures.p50_ms)} | {_ms(figures.p95_ms)} | {_ms(figures.p99_ms)} | {figures.rps:.1f} |")


def to_json(result: LoadResult) -> dict:
    """Plain data of a run: plan, people, summary, audit, objectives, verdict."""
    return {"verdict": "pass" if result.passed else "fail", "plan": result.plan.to_json(),
            "people": result.people, "summary": result.summary.to_json(), "audit": result.audit.to_json(),
            "slo": [{"what": c.what, "limit": c.limit, "measured": c.measured, "passed": c.passed}
                    for c in result.checks],
            "fault_error": result.fault_error, "remote_workers": result.remote_commands,
            "interrupted": result.interrupted}


def markdown(result: LoadResult, chart: bool = False) -> str:
    """The summary for people (showing ``timeline.svg`` when ``chart``)."""
    s, plan = result.summary, result.plan
    verdict = "PASS" if result.passed else "FAIL"
    if result.interrupted:
        verdict += f" (interrupted: {result.interrupted}; the figures are partial)"
    lines = [f"# Load run {plan.run_id}: {verdict}", "",
             f"Target {plan.target}; shape {plan.shape.name}, {plan.shape.duration_s:g} s, peak "
             f"{plan.shape.peak_users} users at {plan.requests_per_user_s:g} requests/s each; "
             f"mix: {plan.mix.source}; people: {result.people}.", "",
             "| endpoint | requests | failures | p50 ms | p95 ms | p99 ms | req/s |",
             "|---|---|---|---|---|---|---|"]
    lines += [_row(f) for f in s.endpoints] + [_row(s.total), ""]
    lines.append(f"Error rate {s.total.error_rate:.2%}; throughput {s.total.rps:.1f} requests/s "
                 f"over {s.wall_s:.1f} s.")
    lines.append(f"Load generator: {len(s.generator)} Locust process(es), {s.generator_cpu_s:.1f} CPU s "
                 f"on this machine ({s.generator_cpu_share:.0%} of its {s.cores} cores)"
                 + (f"; embedded server {s.server_cpu_s:.1f} CPU s ({s.server_cpu_share:.0%})"
                    if s.server_cpu_s is not None and s.server_cpu_share is not None else "") + ".")
    if chart:
        lines += ["", f"![Requests, failures and p95 each second; fault windows shaded]({PLOT_FILE})"]
    if s.minted_during_run:
        lines.append(f"Minted during the run (the prepared material ran out): {s.minted_during_run}.")
    if s.failures:
        lines += ["", "## Failures", "", "| request | error | occurrences |", "|---|---|---|"]
        lines += [f"| {f['method']} {f['name']} | {f['error']} | {f['occurrences']} |" for f in s.failures]
    if s.faults or result.fault_error:
        lines += ["", "## Faults: what the users saw", ""]
        for e in s.faults:
            until = ("no failure" if e.failing_until_s is None else f"{e.failures_after} more failed after "
                     f"it, the last {e.failing_until_s:g} s after its end")
            lines.append(f"- {e.fault} ({e.detail}; {e.lasted_s:g} s): {e.requests} requests while it was "
                         f"on, {e.failures} failed {e.errors}; p95 {_ms(e.p95_before_ms)} ms before, "
                         f"{_ms(e.p95_during_ms)} ms during; {until}.")
        if result.fault_error:
            lines.append(f"- {result.fault_error}")
    a = result.audit
    lines += ["", f"## Audit: {'clean' if a.clean else 'PROBLEMS'}", "",
              f"{a.accepted_tokens} tokens accepted, {a.acknowledged_claims} claims acknowledged, "
              f"{a.delivered_receipts} receipts delivered. Checked: {'; '.join(a.checked)}."]
    lines += [f"- {p}" for p in a.problems]
    if result.checks:
        lines += ["", "## Objectives", "", "| objective | limit | measured | |", "|---|---|---|---|"]
        lines += [f"| {c.what} | {c.limit:g} | {'-' if c.measured is None else f'{c.measured:.4g}'} | "
                  f"{'ok' if c.passed else 'FAILED'} |" for c in result.checks]
    return "\n".join(lines) + "\n"


def write_results(result: LoadResult) -> list[Path]:
    """Write ``summary.json``, ``summary.md`` and the timeline chart into the report folder."""
    folder = result.report_dir
    faults = folder / FAULTS_FILE
    chart = plot_timeline(folder, json.loads(faults.read_text()) if faults.exists() else [])
    json_path = folder / SUMMARY_FILE
    json_path.write_text(json.dumps(to_json(result), indent=1), encoding="utf-8")
    md_path = folder / "summary.md"
    md_path.write_text(markdown(result, chart is not None), encoding="utf-8")
    return [json_path, md_path, *([chart] if chart else [])]
