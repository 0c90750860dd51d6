"""Service-level objectives of a load run: a YAML file in, a verdict and an exit code out.

    # every limit is optional
    error_rate: 0.01            # failed share of all requests
    min_throughput_rps: 10      # requests per second over the run
    every_endpoint:             # limits for each endpoint that was called
      p95_ms: 500
      p99_ms: 1000
    endpoints:                  # limits for named endpoints (they must have been called)
      /v1/verifications/qr: {p95_ms: 200, p99_ms: 400, error_rate: 0.005}

Endpoint names are the users' request names (``/v1/rights/[nir]``); an unknown name is an
error before the run, as is any unknown key.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from apcv.input_files import load_yaml, read_text
from apcv.validation import first_error
from scenarios.load.errors import LoadError
from scenarios.load.summary import EndpointFigures, Summary

ENDPOINTS = (
    "/v1/verifications", "/v1/verifications/qr", "/v1/rights/[nir]", "/v1/claims", "/v1/receipts",
    "/v1/receipts/ack",
    "/v1/delegations", "/v1/delegations [list]", "/v1/delegations/[id]", "/v1/activations [france_identite]",
    "/v1/activations [video]", "/v1/activations/[id]", "/v1/review/activations",
    "/v1/review/activations/[id]/approve", "/v1/review/activations/[id]/reject",
)
"""The request names the load users report."""
MAX_SLO_BYTES = 64 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EndpointLimits(_Strict):
    """Latency and error limits of one endpoint."""

    p50_ms: float | None = Field(None, gt=0)
    p95_ms: float | None = Field(None, gt=0)
    p99_ms: float | None = Field(None, gt=0)
    error_rate: float | None = Field(None, ge=0, le=1)


class Slo(_Strict):
    """A run's objectives."""

    error_rate: float | None = Field(None, ge=0, le=1)
    min_throughput_rps: float | None = Field(None, ge=0)
    every_endpoint: EndpointLimits | None = None
    endpoints: dict[str, EndpointLimits] = Field(default_factory=dict)

    @field_validator("endpoints")
    @classmethod
    def _known(cls, endpoints: dict[str, EndpointLimits]) -> dict[str, EndpointLimits]:
        unknown = [name for name in endpoints if name not in ENDPOINTS]
        if unknown:
            raise ValueError(f"no user calls {unknown[0]!r}; the endpoints are {', '.join(ENDPOINTS)}")
        return endpoints


def builtin_slos() -> dict[str, Traversable]:
    """The SLO files shipped in the package, by name (``default``)."""
    folder = files("scenarios.load") / "slo"
    return {entry.name.removesuffix(".yaml"): entry for entry in folder.iterdir()
            if entry.name.endswith(".yaml")}


def read_slo(path: str | Path) -> Slo:
    """Read and check an SLO file, or a built-in one by name (``default``), or by its path in a
    checkout (``scenarios/load/slo/default.yaml``) where that file is not there, as from a wheel;
    :class:`LoadError` naming the key and the problem."""
    builtin, given = builtin_slos(), Path(path)
    name = given.name.removesuffix(".yaml")
    if not given.is_file() and name in builtin and (str(path) == name or given.parent.name == "slo"):
        return parse_slo(builtin[name].read_text(encoding="utf-8"), f"the built-in SLO {name!r}")
    if not given.exists() and str(path) == name:
        raise LoadError(f"no SLO file {path!r}, and no built-in SLO of that name (built-in: "
                        f"{', '.join(sorted(builtin))})")
    text = read_text(path, limit=MAX_SLO_BYTES, what="SLO file", error=LoadError)
    return parse_slo(text, f"SLO file {path}")


def parse_slo(text: str, source: str) -> Slo:
    """Check SLO text (YAML); ``source`` names it in errors."""
    data = load_yaml(text, source, LoadError)
    if not isinstance(data, dict):
        raise LoadError(f"{source} must be a mapping of limits, not {type(data).__name__}")
    try:
        slo = Slo.model_validate(data)
    except ValidationError as exc:
        raise LoadError(f"{source}: {first_error(exc)}") from None
    if slo == Slo():
        raise LoadError(f"{source} sets no limit")
    return slo


def default_slo() -> Slo:
    """The built-in objectives (``slo/default.yaml``), used by the capacity benchmark."""
    return parse_slo(builtin_slos()["default"].read_text(encoding="utf-8"), "the default SLO")


@dataclass(frozen=True)
class Check:
    """One limit against what was measured."""

    what: str
    limit: float
    measured: float | None
    passed: bool


def _at_most(what: str, limit: float | None, measured: float | None) -> list[Check]:
    if limit is None:
        return []
    return [Check(what, limit, measured, measured is not None and measured <= limit)]


def _endpoint_checks(figures: EndpointFigures, limits: EndpointLimits) -> list[Check]:
    name = figures.name
    if not figures.requests:
        return [Check(f"{name}: requests", 1, 0, False)]
    return (_at_most(f"{name}: p50 ms", limits.p50_ms, figures.p50_ms)
            + _at_most(f"{name}: p95 ms", limits.p95_ms, figures.p95_ms)
            + _at_most(f"{name}: p99 ms", limits.p99_ms, figures.p99_ms)
            + _at_most(f"{name}: error rate", limits.error_rate, figures.error_rate))


def judge(slo: Slo, summary: Summary) -> list[Check]:
    """Every limit of ``slo`` against the run's figures."""
    total = summary.total
    checks = _at_most("error rate", slo.error_rate, total.error_rate if total.requests else None)
    if slo.min_throughput_rps is not None:
        rps = summary.total.rps
        checks.append(Check("throughput req/s (at least)", slo.min_throughput_rps, rps,
                            rps >= slo.min_throughput_rps))
    by_name = {f.name: f for f in summary.endpoints}
    if slo.every_endpoint is not None:
        for figures in summary.endpoints:
            if figures.name not in slo.endpoints:
                checks += _endpoint_checks(figures, slo.every_endpoint)
    for name, limits in slo.endpoints.items():
        figures = by_name.get(name, EndpointFigures("", name, 0, 0, None, None, None, 0.0))
        checks += _endpoint_checks(figures, limits)
    return checks
