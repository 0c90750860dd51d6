"""The test clock: absent unless asked for, moved only forward by an operator, one time for every
worker, kept in the database."""

from __future__ import annotations

import pytest

from apcv.clock import OffsetClock, WallClock
from simulators.backend.client import BackendRefused, open_backend
from simulators.backend.process import ServerProcess

pytestmark = pytest.mark.slow  # serves the backend in a subprocess

WEEK_S = 7 * 24 * 3600


def test_no_test_clock_unless_asked(backend, operator):
    with pytest.raises(BackendRefused) as absent:
        backend.read_clock(operator)
    assert absent.value.status == 404


def test_the_clock_moves_forward_for_every_worker_and_survives_a_restart(tmp_path, operator, doctor, people):
    url = f"sqlite:///{tmp_path / 'clock.sqlite3'}"
    clock = OffsetClock()
    with ServerProcess(url, workers=2, test_clock=True) as server:
        client = open_backend(server.url, clock=clock)
        assert client.read_clock(operator)["offset_s"] == 0
        with pytest.raises(BackendRefused) as wrong:
            client.advance_clock(doctor, 60)
        assert wrong.value.status == 403
        for seconds in (0, -5):
            with pytest.raises(BackendRefused) as bad:
                client.advance_clock(operator, seconds)
            assert bad.value.status == 422
        moved = client.advance_clock(operator, WEEK_S)
        assert moved["offset_s"] == WEEK_S and moved["now"] >= WallClock().now() + WEEK_S - 5
        clock.move_to(moved["offset_s"])
        readings = {client.read_clock(operator)["offset_s"] for _ in range(20)}  # spread over both workers
        assert readings == {WEEK_S}
        client.provision(operator, people[0])  # requests signed on the service's time pass
        late = open_backend(server.url)  # a caller still on the wall clock is a week behind
        with pytest.raises(BackendRefused) as stale:
            late.rights(doctor, people[0].identity.nir)
        assert (stale.value.status, stale.value.code) == (403, "stale_timestamp")
        late.close()
        client.close()
    with ServerProcess(url, test_clock=True) as again:
        client = open_backend(again.url, clock=clock)
        assert client.read_clock(operator)["offset_s"] == WEEK_S
        client.close()
