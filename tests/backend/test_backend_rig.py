"""The rig's optional backend role and backend links."""

from __future__ import annotations

import pytest

from harness.rig import RigError, load_rig, parse_rig
from simulators.backend.client import BackendLinkError, open_backend


def _rig(link: str):
    return parse_rig({"name": "x", "roles": {"reader": {"link": "sim:bench"}, "backend": {"link": link}}})


def test_backend_role_links():
    assert load_rig().roles.backend.link == "embedded:"
    assert parse_rig({"name": "x", "roles": {"reader": {"link": "sim:bench"}}}).roles.backend is None
    assert _rig("http://127.0.0.1:8600").roles.backend.link == "http://127.0.0.1:8600"
    for bad in ("ftp://host", "embedded:extra", "http:", "sim:bench"):
        with pytest.raises(RigError, match=r"roles\.backend\.link: backend link"):
            _rig(bad)


def test_open_backend_refuses_bad_links():
    for bad in ("nowhere", "ftp://x", "http:"):
        with pytest.raises(BackendLinkError, match="must be 'embedded:'"):
            open_backend(bad)


def test_unreachable_backend_is_a_clear_error():
    from simulators.backend.process import free_port

    client = open_backend(f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(BackendLinkError, match="unreachable"):
        client.call("GET", "/v1/health")
