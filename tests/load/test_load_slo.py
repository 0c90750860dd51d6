"""SLO files: malformed ones are named before the run; a run's figures pass or fail them."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.load.errors import LoadError
from scenarios.load.slo import default_slo, judge, read_slo
from scenarios.load.summary import EndpointFigures, Summary


def _summary(*endpoints: EndpointFigures, rps: float = 50.0) -> Summary:
    requests = sum(e.requests for e in endpoints)
    failures = sum(e.failures for e in endpoints)
    total = EndpointFigures("", "Aggregated", requests, failures, 10, 40, 90, rps)
    return Summary(list(endpoints), total, [], 60.0, [], 1.0, 0.01, None, None, 2, {})


QR = EndpointFigures("POST", "/v1/verifications/qr", 1000, 2, 12, 80, 150, 16.0)
RIGHTS = EndpointFigures("GET", "/v1/rights/[nir]", 1000, 0, 3, 20, 300, 16.0)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "slo.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "message"), [
    ("error_rate: [0.1", "not valid YAML"),
    ("- 1\n- 2\n", "must be a mapping of limits, not list"),
    ("42", "not int"),
    ("{}", "sets no limit"),
    ("error_rate: 0.1\nlatency: 5\n", "latency: unknown key"),
    ("error_rate: 2\n", "error_rate: Input should be less than or equal to 1"),
    ("every_endpoint: {p95_ms: -3}\n", "every_endpoint.p95_ms"),
    ("endpoints: {/v1/teapot: {p95_ms: 10}}\n", "no user calls '/v1/teapot'"),
    ("endpoints: {/v1/claims: {p95: 10}}\n", "endpoints./v1/claims.p95: unknown key"),
    ("min_throughput_rps: fast\n", "min_throughput_rps"),
])
def test_a_malformed_slo_file_is_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(LoadError, match=message):
        read_slo(_write(tmp_path, text))


def test_unreadable_and_oversized_slo_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"SLO file .*none\.yaml not found"):
        read_slo(tmp_path / "none.yaml")
    (tmp_path / "big.yaml").write_text("# x\n" * 30_000)
    with pytest.raises(LoadError, match="over the 65,536-byte limit"):
        read_slo(tmp_path / "big.yaml")
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00error")
    with pytest.raises(LoadError, match="not UTF-8"):
        read_slo(tmp_path / "bin.yaml")


def test_a_run_within_every_limit_passes(tmp_path: Path) -> None:
    slo = read_slo(_write(tmp_path, "error_rate: 0.01\nmin_throughput_rps: 20\n"
                                    "every_endpoint: {p99_ms: 400}\n"
                                    "endpoints: {/v1/verifications/qr: {p95_ms: 100, error_rate: 0.005}}\n"))
    checks = judge(slo, _summary(QR, RIGHTS))
    assert all(c.passed for c in checks)
    assert {c.what for c in checks} >= {"error rate", "throughput req/s (at least)",
                                        "/v1/rights/[nir]: p99 ms", "/v1/verifications/qr: p95 ms",
                                        "/v1/verifications/qr: error rate"}


def test_each_limit_can_fail(tmp_path: Path) -> None:
    slo = read_slo(_write(tmp_path, "error_rate: 0.0001\nmin_throughput_rps: 100\n"
                                    "every_endpoint: {p99_ms: 200}\n"
                                    "endpoints: {/v1/verifications/qr: {p50_ms: 5}, "
                                    "/v1/claims: {p95_ms: 100}}\n"))
    failed = {c.what for c in judge(slo, _summary(QR, RIGHTS)) if not c.passed}
    assert failed == {"error rate", "throughput req/s (at least)", "/v1/rights/[nir]: p99 ms",
                      "/v1/verifications/qr: p50 ms", "/v1/claims: requests"}  # never called: not met


def test_the_default_slo_is_strict_on_errors_and_latency() -> None:
    slo = default_slo()
    assert slo.error_rate is not None and slo.error_rate <= 0.01
    assert slo.every_endpoint is not None and slo.every_endpoint.p99_ms is not None
    assert all(c.passed for c in judge(slo, _summary(QR, RIGHTS)))
    slow = EndpointFigures("GET", "/v1/rights/[nir]", 1000, 0, 3, 20, 600, 16.0)
    assert not all(c.passed for c in judge(slo, _summary(QR, slow)))
    failing = EndpointFigures("POST", "/v1/verifications/qr", 1000, 5, 12, 80, 150, 16.0)
    assert not all(c.passed for c in judge(slo, _summary(failing, RIGHTS)))


def test_the_built_in_slo_is_read_by_name_and_by_its_checkout_path_from_anywhere(tmp_path: Path,
                                                                                  monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no checkout here, as after a wheel install
    assert read_slo("default") == default_slo()
    assert read_slo("scenarios/load/slo/default.yaml") == default_slo()
    with pytest.raises(LoadError, match=r"no built-in SLO of that name \(built-in: default\)"):
        read_slo("defualt")
    mine = tmp_path / "default"
    mine.write_text("error_rate: 0.5\n")
    assert read_slo("default") != default_slo()  # a file of that name in the folder wins
