"""schemathesis against the live server with signed requests: generated inputs reach the handlers.

Every generated request is signed (APCV-SIG-1, a new nonce each time) by a registered caller:
- per operation, positive and negative inputs signed by the caller the operation expects (a
  directory practitioner, the review operator, or an enrolled, active device): no answer may be
  a 5xx, and every operation must answer something other than 401/403 at least once;
- per operation, inputs signed by each of the three callers: no 5xx, and a caller of the wrong
  kind never gets a 2xx;
- stateful runs: schemathesis chains operations through the links it infers (an activation's id
  to its review, a delegation's id to its card and its revocation), each step signed by the
  caller its operation expects: no 5xx along any chain.
Bounded: a fixed number of examples per operation and of stateful steps (~40 s in all).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from simulators.backend.client import Signer, open_backend
from simulators.backend.process import ServerProcess
from simulators.backend.signing import sign_request
from simulators.identity.france_identite import FranceIdentite
from simulators.population.generator import generate_population, generate_practitioners

CHECKED_IN = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
EXAMPLES = 40  # per operation and generation mode: ~1,000 signed requests, ~15 s
CROSS_EXAMPLES = 8  # per operation and caller
STATEFUL_EXAMPLES = 12
STATEFUL_STEPS = 6
CALLERS = ("practitioner", "operator", "device")


class SignedAuth(requests.auth.AuthBase):
    """Signs a prepared request over the exact bytes sent, as the service reads them."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url or "")
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        request.headers.update(sign_request(self.signer.key, self.signer.key_id, request.method or "GET",
                                            target, body, int(time.time())))
        return request


def caller_role(method: str, path: str) -> str:
    """Who calls an operation: ``practitioner``, ``operator`` or ``device``."""
    if path.startswith("/v1/review") or path == "/v1/insured" or path.startswith("/v1/activations/"):
        return "operator"
    if path in ("/v1/activations", "/v1/receipts", "/v1/receipts/ack") or path.startswith("/v1/delegations"):
        return "device"
    return "practitioner"


def test_roles_cover_every_signed_operation():
    paths = json.loads(CHECKED_IN.read_text(encoding="utf-8"))["paths"]
    roles = {(m.upper(), p): caller_role(m.upper(), p) for p, ops in paths.items() for m in ops}
    assert roles[("POST", "/v1/verifications/qr")] == "practitioner"
    assert roles[("PUT", "/v1/insured")] == "operator"
    assert roles[("DELETE", "/v1/delegations/{delegation_id}")] == "device"
    assert roles[("GET", "/v1/delegations/{delegation_id}/card")] == "device"
    assert set(roles.values()) == {"practitioner", "operator", "device"}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A served backend with one provisioned insured person holding an active device."""
    folder = tmp_path_factory.mktemp("fuzz")
    with ServerProcess(f"sqlite:///{folder / 'fuzz.sqlite3'}") as server:
        client = open_backend(server.url, timeout=10)
        operator = Signer.operator()
        person = next(p for p in generate_population(50, 3) if p.beneficiaries and not p.under_guardianship
                      and p.identity.birth_date.year < 1990)
        client.provision(operator, person)
        key = ec.generate_private_key(ec.SECP256R1())
        nir = person.identity.nir
        proof = FranceIdentite().prove(nir, key.public_key())
        client.enrol(key, nir, "france_identite", identity_assertion=proof)
        client.close()
        signers = {"practitioner": Signer.practitioner(next(iter(generate_practitioners(1, 0))).rpps),
                   "operator": operator, "device": Signer.device(key)}
        yield server, signers


def _schema():
    return schemathesis.openapi.from_dict(json.loads(CHECKED_IN.read_text(encoding="utf-8")))


def _operations():
    for result in _schema().get_all_operations():
        operation = result.ok()
        if operation.path != "/v1/health":
            yield operation


def _exercise(operation, mode: GenerationMode, auth: SignedAuth, base_url: str, session: requests.Session,
              seen: dict[str, set[int]], examples: int = EXAMPLES, wrong_caller: bool = False) -> None:
    """Run generated cases of one operation in one mode; fail on the first 5xx (shrunk)."""

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(mode))
    def exercise(case) -> None:
        response = case.call(base_url=base_url, session=session, auth=auth, timeout=10)
        seen[operation.label].add(response.status_code)
        assert response.status_code < 500, f"{operation.label}: {response.status_code} {response.text[:300]}"
        if wrong_caller:
            assert response.status_code >= 400, f"{operation.label} let a {auth.signer.key_id} in"

    try:
        exercise()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # an operation without any negative input (e.g. no parameters) is fine


@pytest.mark.apcv_requirement("APCV-BE-073")
def test_signed_generated_requests_reach_handlers_without_server_errors(live):
    server, signers = live
    session = requests.Session()
    seen: dict[str, set[int]] = defaultdict(set)
    for operation in _operations():
        auth = SignedAuth(signers[caller_role(operation.method.upper(), operation.path)])
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _exercise(operation, mode, auth, server.url, session, seen)
    assert "Traceback" not in server.log(), server.log()[-3000:]
    unreached = sorted(label for label, statuses in seen.items() if statuses <= {401, 403})
    assert not unreached, f"only refused at authentication: {unreached} ({dict(seen)})"
    assert len(seen) == len(list(_operations()))  # every operation of docs/openapi.json but /v1/health


@pytest.mark.apcv_requirement("APCV-BE-073")
def test_every_operation_signed_as_each_caller(live):
    """Practitioner, operator and device sign every operation: no 5xx, no way in for the wrong kind."""
    server, signers = live
    session = requests.Session()
    seen: dict[str, set[int]] = defaultdict(set)
    for operation in _operations():
        expected = caller_role(operation.method.upper(), operation.path)
        for caller in CALLERS:
            wrong = caller != expected and operation.path != "/v1/activations/{activation_id}"
            _exercise(operation, GenerationMode.POSITIVE, SignedAuth(signers[caller]), server.url, session,
                      seen, CROSS_EXAMPLES, wrong_caller=wrong)
    assert "Traceback" not in server.log(), server.log()[-3000:]


@pytest.mark.apcv_requirement("APCV-BE-073")
def test_stateful_chains_signed_by_their_callers(live):
    server, signers = live
    session = requests.Session()
    statuses: list[int] = []

    class SignedChains(_schema().as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):
            role = caller_role(case.operation.method.upper(), case.operation.path)
            return {"base_url": server.url, "session": session, "auth": SignedAuth(signers[role]),
                    "timeout": 10}

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            statuses.append(response.status_code)
            label = case.operation.label
            assert response.status_code < 500, f"{label}: {response.status_code} {response.text[:300]}"

    SignedChains.run(settings=settings(max_examples=STATEFUL_EXAMPLES, stateful_step_count=STATEFUL_STEPS,
                                       deadline=None, database=None, derandomize=True,
                                       suppress_health_check=list(HealthCheck)))
    assert statuses and "Traceback" not in server.log(), server.log()[-3000:]
    assert any(200 <= s < 300 for s in statuses), f"no chain step succeeded: {sorted(set(statuses))}"
