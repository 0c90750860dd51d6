"""The test clock: a service clock that tests move forward over HTTP, for receipts after 7 days
or a delegation's end. Off unless the server is started with it (``ServeOptions.test_clock``).

The service's time is then its base clock plus an offset held in the database (table
``service_clock``), so every uvicorn worker reads the same time. A review operator reads it
with ``GET /v1/test/clock`` and moves it forward with ``POST /v1/test/clock {"advance_s": s}``;
it never goes back.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from apcv.clock import Clock
from simulators.backend import db
from simulators.backend.auth import Caller, operator
from simulators.backend.context import BackendContext, backend_context

router = APIRouter(tags=["test clock"])
MAX_ADVANCE_S = 10 * 366 * 24 * 3600
_ROW = 1


class DatabaseOffsetClock:
    """``base`` plus the offset every worker reads from the database on each call."""

    def __init__(self, base: Clock, engine: Engine) -> None:
        self._base = base
        self._engine = engine
        try:
            with engine.begin() as conn:
                if conn.execute(select(db.service_clock.c.id)).first() is None:
                    conn.execute(insert(db.service_clock).values(id=_ROW, offset_s=0.0))
        except IntegrityError:
            pass  # another worker stored the row first

    def offset(self) -> float:
        """Seconds the service runs ahead of its base clock."""
        with self._engine.connect() as conn:
            return conn.execute(select(db.service_clock.c.offset_s)
                                .where(db.service_clock.c.id == _ROW)).scalar_one()

    def reading(self) -> tuple[float, float]:
        """(the service's time, the offset) from one read of the offset."""
        offset = self.offset()
        return self._base.now() + offset, offset

    def now(self) -> float:
        return self.reading()[0]

    def monotonic(self) -> float:
        return self._base.monotonic() + self.offset()

    def sleep(self, seconds: float) -> None:
        self._base.sleep(seconds)

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` for every worker (one atomic update)."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back in time (advance by {seconds} s)")
        with self._engine.begin() as conn:
            conn.execute(update(db.service_clock).where(db.service_clock.c.id == _ROW)
                         .values(offset_s=db.service_clock.c.offset_s + seconds))


class ClockAdvance(BaseModel):
    """How far to move the service clock."""

    advance_s: float = Field(gt=0, le=MAX_ADVANCE_S, description="seconds forward (never back)")


class ClockState(BaseModel):
    """The service clock."""

    now: float = Field(description="the service's time, POSIX seconds")
    offset_s: float = Field(description="seconds the service runs ahead of its base clock")


def _state(clock: DatabaseOffsetClock) -> ClockState:
    now, offset = clock.reading()
    return ClockState(now=now, offset_s=offset)


def _clock(ctx: BackendContext) -> DatabaseOffsetClock:
    clock = ctx.clock
    assert isinstance(clock, DatabaseOffsetClock), "the test-clock routes need a DatabaseOffsetClock"
    return clock


@router.get("/v1/test/clock", response_model=ClockState)
async def read_clock(_: Caller = Depends(operator),
                     ctx: BackendContext = Depends(backend_context)) -> ClockState:
    """The service's time and how far tests moved it."""
    return _state(_clock(ctx))


@router.post("/v1/test/clock", response_model=ClockState)
async def advance_clock(body: ClockAdvance, _: Caller = Depends(operator),
                        ctx: BackendContext = Depends(backend_context)) -> ClockState:
    """Move the service's time forward by ``advance_s`` seconds, for every worker."""
    clock = _clock(ctx)
    clock.advance(body.advance_s)
    return _state(clock)
