"""The clock abstraction: wall, frozen and SimPy time behind one interface."""

from datetime import UTC, datetime

import pytest
import simpy

from apcv.clock import Clock, FrozenClock, OffsetClock, SimPyClock, WallClock, to_datetime


def test_every_clock_satisfies_the_protocol():
    for clock in (WallClock(), FrozenClock(), SimPyClock(simpy.Environment()), OffsetClock()):
        assert isinstance(clock, Clock)


def test_frozen_clock_moves_only_when_told():
    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.monotonic() == 0
    clock.sleep(7 * 24 * 3600 + 1)
    assert to_datetime(clock) == datetime(2026, 1, 8, 0, 0, 1, tzinfo=UTC)
    assert clock.monotonic() == 7 * 24 * 3600 + 1
    with pytest.raises(ValueError, match="back in time"):
        clock.advance(-1)


def test_simpy_clock_follows_the_environment():
    env = simpy.Environment()
    clock = SimPyClock(env, epoch=1_000.0)
    seen = []

    def process():
        yield env.timeout(30)
        seen.append((clock.now(), clock.monotonic()))

    env.process(process())
    env.run()
    assert seen == [(1_030.0, 30.0)]
    with pytest.raises(RuntimeError, match=r"env\.timeout"):
        clock.sleep(1)


def test_phone_unlock_expires_on_simpy_time():
    """Simulators take any clock: an unlock session ends on the SimPy clock."""
    from apcv.seeded_keys import synthetic_insurer
    from simulators.factory import synthetic_phone

    env = simpy.Environment()
    phone = synthetic_phone(2, synthetic_insurer(0), SimPyClock(env))
    assert phone.lock.unlocked
    env.run(until=phone.lock.policy.session_s + 1)
    assert not phone.lock.unlocked


def test_wall_clock_is_monotonic():
    clock = WallClock()
    a = clock.monotonic()
    assert clock.monotonic() >= a
    assert abs(clock.now() - datetime.now(UTC).timestamp()) < 5


def test_offset_clock_runs_ahead_and_never_back():
    base = FrozenClock(1_000.0)
    clock = OffsetClock(base, 60)
    assert (clock.now(), clock.monotonic()) == (1_060.0, 60.0)
    clock.move_to(3_600)
    base.advance(5)
    assert clock.now() == 1_000.0 + 5 + 3_600
    with pytest.raises(ValueError, match="back in time"):
        clock.move_to(10)
    assert clock.offset == 3_600
