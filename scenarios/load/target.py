"""Checks of a load target before any load is sent: reachable, an apCV backend, knows our callers.

Each failed check is a :class:`LoadError` saying what is wrong and what to do about it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from apcv.nir import mask_nir
from apcv.people import Insured
from scenarios.load.errors import LoadError
from scenarios.load.people import explain_refusal
from simulators.backend.client import BackendClient, BackendLinkError, BackendRefused, Signer, open_backend

CHECK_TIMEOUT_S = 5.0


def check_url(url: str) -> str:
    """``url`` if it is an ``http(s)://host[:port]`` URL; the error names what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadError(f"--target {url!r} must be 'embedded' or an http(s)://host:port URL")
    try:
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        raise LoadError(f"--target {url!r}: the port is not a number from 0 to 65535") from None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise LoadError(f"--target {url!r}: give the server's root URL, without a path")
    return url.rstrip("/")


def open_target(url: str) -> BackendClient:
    """A client of the backend at ``url`` once it answers its health check."""
    client = open_backend(check_url(url), timeout=CHECK_TIMEOUT_S)
    try:
        response = client.send("GET", "/v1/health")
    except BackendLinkError as exc:
        client.close()
        raise LoadError(f"target {url} is unreachable: {str(exc).partition(': ')[2] or exc}") from None
    if response.status_code != 200:
        client.close()
        hint = " (is it the apCV backend?)" if response.status_code == 404 else ""
        raise LoadError(f"target {url} answers its health check /v1/health with HTTP "
                        f"{response.status_code}{hint}")
    return client


def check_people_known(client: BackendClient, practitioner: Signer, people: list[Insured],
                       remedy: str) -> None:
    """Every request of a run would fail if the target did not know the run's people or our
    practitioners: look up the rights of the first and the last person to find out first."""
    for insured in (people[0], people[-1]):
        try:
            client.rights(practitioner, insured.identity.nir)
        except BackendRefused as exc:
            if exc.code == "unknown_nir":
                raise LoadError(f"the target does not know the insured person "
                                f"{mask_nir(insured.identity.nir)} this run would use (404 unknown_nir), so "
                                f"every request about them would fail with 404: {remedy}") from None
            reason = explain_refusal(exc, practitioner.key_id)
            raise LoadError(f"the target refused a signed rights lookup by {practitioner.key_id} "
                            f"({exc.status} {exc.code}): {reason}") from None
        except BackendLinkError as exc:
            raise LoadError(str(exc)) from None


def check_operator(client: BackendClient, operator: Signer) -> None:
    """The review operator's signed reading of the queue is accepted."""
    try:
        client.review_queue(operator)
    except BackendRefused as exc:
        raise LoadError(f"the target refused the review operator {operator.key_id} "
                        f"({exc.status} {exc.code}): {explain_refusal(exc, operator.key_id)}") from None
    except BackendLinkError as exc:
        raise LoadError(str(exc)) from None
