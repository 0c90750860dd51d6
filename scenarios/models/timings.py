"""Measured read times from the harness: JSONL traces or a run's ``results.json``.

A trace (``apcv.trace.TraceRecorder`` JSON lines) gives one sample per presentation,
from ``field_on`` to ``field_off``: ``nfc`` when the reader's first SELECT answered 9000
(the apCV applet is there), ``card`` otherwise. A ``results.json`` gives the test
properties or measurements ``card_read_ms``, ``qr_read_ms``, ``nfc_read_ms``, and ``total_ms`` (what the
NFC tests record) as ``nfc``; a measurement's ``samples`` (every read it was drawn from) when it
has them, else its value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from apcv.input_files import read_text
from scenarios.models.distributions import Empirical, Sampler
from scenarios.models.errors import ModelError

MAX_TIMINGS_BYTES = 32 * 1024 * 1024
"""A trace of several thousand presentations; larger files are refused unread."""
PROPERTY_METHODS = {"card_read_ms": "card", "qr_read_ms": "qr", "nfc_read_ms": "nfc", "total_ms": "nfc"}


def load_timings(path: str | Path) -> dict[str, Empirical]:
    """Read times in seconds by method, from a trace (``.jsonl``) or a ``results.json``.

    Only a regular file of at most :data:`MAX_TIMINGS_BYTES` is read.
    """
    source = Path(path)
    text = read_text(source, limit=MAX_TIMINGS_BYTES, what="timing file", error=ModelError)
    document = _whole_document(text, source)
    samples = _from_trace(text, source) if document is None else _from_results(document, source)
    if not any(samples.values()):
        raise ModelError(f"{source}: no read times found (no complete presentation, no *_read_ms property)")
    return {method: Empirical(values, str(source)) for method, values in samples.items() if values}


def _whole_document(text: str, source: Path) -> dict | None:
    """The file as one JSON object that is not a trace event, or None (then it is a trace)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if len(text.strip().splitlines()) == 1:
            raise ModelError(f"{source}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        return None
    return document if isinstance(document, dict) and "kind" not in document else None


def _from_results(document: dict, source: Path) -> dict[str, list[float]]:
    try:
        results = document["results"]
        samples: dict[str, list[float]] = {"card": [], "qr": [], "nfc": []}
        for result in results:
            measured = [(m["name"], m.get("samples") or [m["value"]])
                        for m in result.get("measurements") or []]
            properties = [(key, [value]) for key, value in (result.get("properties") or {}).items()]
            for key, values in [*properties, *measured]:
                if key in PROPERTY_METHODS:
                    samples[PROPERTY_METHODS[key]] += [_positive(value, key) / 1000 for value in values]
    except (KeyError, TypeError, AttributeError):
        raise ModelError(f"{source}: not a results.json (no 'results' list of tests)") from None
    return samples


def _positive(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ModelError(f"property {key} = {value!r} is not a positive number of milliseconds")
    return float(value)


def _from_trace(text: str, source: Path) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"card": [], "nfc": []}
    opened: float | None = None
    method: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
            kind, stamp = event["kind"], float(event["t"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            raise ModelError(f"{source}:{number}: not a trace event (JSON with 'kind' and 't')") from None
        if kind == "field_on":
            opened, method = stamp, None
        elif kind == "response" and method is None:
            method = "nfc" if str(event.get("data", "")).upper().endswith("9000") else "card"
        elif kind == "field_off" and opened is not None:
            if stamp < opened:
                raise ModelError(f"{source}:{number}: field_off before its field_on")
            samples[method or "card"].append(stamp - opened)
            opened = None
    return samples


def describe_reads(reads: Mapping[str, Sampler] | None) -> tuple[dict[str, str], list[str]]:
    """Which read times feed each method, and warnings about thin measurements.

    Returns ``{method: "measured: N samples from ORIGIN (mean X s)" | "modelled ..."}`` and one
    warning per measured method with fewer than two distinct values (every read then takes the
    same time).
    """
    described, warnings = {}, []
    for method in ("card", "qr", "nfc"):
        measured = (reads or {}).get(method)
        if not isinstance(measured, Empirical):
            described[method] = "modelled (step-time distribution)"
            continue
        values = measured.values
        described[method] = (f"measured: {values.size} samples from {measured.origin} "
                             f"(mean {values.mean():.3f} s)")
        if np.unique(values).size < 2:
            warnings.append(f"timings: every {method} read takes {values[0]:.3f} s ({values.size} sample"
                            f"{'s' if values.size > 1 else ''}, no spread): the model has no read-time "
                            "variance for it")
    return described, warnings


def reads_line(described: Mapping[str, str]) -> str:
    """``card modelled, qr modelled, nfc measured: 7 samples from FILE`` for a table's title."""
    return ", ".join(f"{method} {text.split(' (')[0]}" for method, text in described.items())
