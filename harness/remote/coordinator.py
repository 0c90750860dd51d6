"""A labgrid place, held for one run: connect to the coordinator, acquire (lock) the place, read
its resources' addresses, release it.

labgrid's own client session (:class:`labgrid.remote.client.ClientSession`) talks to the
coordinator over gRPC and keeps the places and resources it streams; this module drives it with
the coordinator's acquire and release calls directly, so nothing is printed on standard output
(``labgrid-client`` prints "acquired place ..."), and turns each refusal into one line.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from apcv.errors import ApcvError

DEFAULT_COORDINATOR = "127.0.0.1:20408"
CONNECT_TIMEOUT_S = 10.0
CALL_TIMEOUT_S = 10.0
POLL_S = 0.5
INSTALL = "pip install 'apcv-hil[remote]' (labgrid)"


class PlaceError(ApcvError):
    """The place cannot be had (coordinator unreachable, unknown place, held, missing resources)."""


def coordinator_address(configured: str) -> str:
    """The coordinator to ask: the rig's, else ``$LG_COORDINATOR``, else labgrid's default."""
    return configured or os.environ.get("LG_COORDINATOR", "") or DEFAULT_COORDINATOR


class _QuietLabgrid(logging.Filter):
    """Drops the records labgrid's client logs on the root logger (``coordinator is unavailable``):
    the refusal reaches the user once, as our one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "labgrid" not in record.pathname


def _labgrid() -> Any:
    try:
        from labgrid.remote import client
    except ImportError:
        raise PlaceError(f"a rig on a labgrid place needs labgrid: {INSTALL}") from None
    return client


class PlaceHold:
    """A place this process acquired: its name, the coordinator, and what its resources say."""

    def __init__(self, session: Any, loop: asyncio.AbstractEventLoop, name: str, address: str) -> None:
        self._session = session
        self._loop = loop
        self.name = name
        self.address = address

    def resources(self) -> dict[str, Any]:
        """The place's acquired resources by name (labgrid ``ResourceEntry``: ``cls``, ``args``,
        ``extra``, ``avail``)."""
        place = self._session.places[self.name]
        found = self._session.get_target_resources(place)
        return {name: entry for (name, _cls), entry in found.items()}

    def address_of(self, resource: str) -> tuple[str, int]:
        """HOST, PORT of ``resource``: a ``NetworkService`` (address, port) or any resource with
        host (or address) and port parameters."""
        found = self.resources()
        if resource not in found:
            have = ", ".join(sorted(found)) or "none"
            raise PlaceError(f"place {self.name} has no resource '{resource}' (it has: {have}); export it "
                             f"and add it: labgrid-client -p {self.name} add-named-match "
                             f"EXPORTER/GROUP/NetworkService/{resource} {resource}")
        entry = found[resource]
        if not entry.avail:
            raise PlaceError(f"resource '{resource}' of place {self.name} is not available "
                             "(its exporter is offline?)")
        if (entry.extra or {}).get("proxy_required"):
            raise PlaceError(f"resource '{resource}' of place {self.name} is exported by an isolated "
                             "exporter (--isolated), reachable only through SSH forwarding, which apcv-hil "
                             "does not do: run the exporter without --isolated")
        params = entry.args
        host, port = params.get("address") or params.get("host"), params.get("port")
        if not isinstance(host, str) or not host or not isinstance(port, int) or not 0 < port < 65536:
            raise PlaceError(f"resource '{resource}' of place {self.name} ({entry.cls}) gives no address "
                             f"and TCP port (it says {dict(params)}): export it as a NetworkService "
                             "with address and port")
        return host, port


def _details(exc: BaseException) -> str:
    """What a gRPC error says (its details), else the exception's text."""
    details = getattr(exc, "details", None)
    return str(details() if callable(details) else exc)


def _run(loop: asyncio.AbstractEventLoop, coroutine: Any, timeout: float) -> Any:
    return loop.run_until_complete(asyncio.wait_for(coroutine, timeout))


def _connect(client: Any, address: str, loop: asyncio.AbstractEventLoop) -> Any:
    from labgrid.util.proxy import proxymanager

    target = proxymanager.get_grpc_address(address, default_port=20408)
    session = client.ClientSession(target, loop, args=argparse.Namespace(allow_unmatched=False))
    try:
        _run(loop, session.start(), CONNECT_TIMEOUT_S)
    except (TimeoutError, client.Error) as exc:
        detail = "no answer" if isinstance(exc, TimeoutError) else "connection refused or lost"
        raise PlaceError(f"labgrid coordinator {address} is unreachable ({detail}): start "
                         "labgrid-coordinator there, or set coordinator: HOST:PORT in the rig "
                         "(or $LG_COORDINATOR)") from None
    return session


def _holder(place: Any) -> str:
    since = time.strftime("%H:%M:%S", time.localtime(place.changed)) if place.changed else "?"
    return f"{place.acquired} (since {since})"


def _acquire(client: Any, session: Any, loop: asyncio.AbstractEventLoop, name: str, wait_s: float,
             asked: list[bool]) -> None:
    """Acquire ``name``, waiting up to ``wait_s``; ``asked`` is set once the coordinator was asked
    (from then on the place may be ours, even if the answer never arrives)."""
    from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2

    deadline = time.monotonic() + wait_s
    while True:
        place = session.places.get(name)
        if place is None:
            known = ", ".join(sorted(session.places)) or "none"
            raise PlaceError(f"place {name} is unknown to the coordinator {session.address} (places: "
                             f"{known}): create it with labgrid-client -p {name} create")
        if not place.acquired:
            try:
                session.check_matches(place)
            except client.UserError as exc:
                raise PlaceError(f"place {name} cannot be acquired: {exc} (is its exporter running?)") \
                    from None
            asked[:] = [True]
            try:
                _run(loop, session.stub.AcquirePlace(pb2.AcquirePlaceRequest(placename=name)), CALL_TIMEOUT_S)
                _run(loop, session.sync_with_coordinator(), CALL_TIMEOUT_S)
                return
            except Exception as exc:  # grpc's AioRpcError: someone acquired it first
                if time.monotonic() >= deadline:
                    raise PlaceError(f"place {name} could not be acquired: {_details(exc)}") from None
        elif time.monotonic() >= deadline:
            waited = f" after waiting {wait_s:g} s" if wait_s else ""
            raise PlaceError(f"place {name} is held by {_holder(place)}{waited}: wait for it with "
                             "--place-wait SECONDS, or ask them to release it")
        loop.run_until_complete(asyncio.sleep(POLL_S))
        if session.stopping.is_set():
            raise PlaceError(f"labgrid coordinator {session.address} went away while waiting for "
                             f"place {name}")


def _release(session: Any, loop: asyncio.AbstractEventLoop, name: str) -> None:
    from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2

    me = f"{session.gethostname()}/{session.getuser()}"  # released only if still held by us
    request = pb2.ReleasePlaceRequest(placename=name, fromuser=me)
    _run(loop, session.stub.ReleasePlace(request), CALL_TIMEOUT_S)


@contextmanager
def acquired_place(name: str, coordinator: str = "", *, wait_s: float = 0.0) -> Iterator[PlaceHold]:
    """Acquire the labgrid place ``name`` (waiting up to ``wait_s`` while another holds it) and
    release it when the block ends, however it ends."""
    client = _labgrid()
    address = coordinator_address(coordinator)
    quiet = _QuietLabgrid()
    logging.getLogger().addFilter(quiet)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # grpc.aio binds its channel to the current loop
    session = None
    asked = [False]
    try:
        session = _connect(client, address, loop)
        _acquire(client, session, loop, name, wait_s, asked)
        yield PlaceHold(session, loop, name, address)
    finally:
        try:
            if session is not None and asked[0]:
                _release(session, loop, name)
        except Exception as exc:  # the coordinator went away: say how to free the place by hand
            print(f"apcv-hil: warning: place {name} may still be held ({_details(exc)}): "
                  f"labgrid-client -x {address} -p {name} release", file=sys.stderr)
        finally:
            asyncio.set_event_loop(None)
            if session is not None:
                loop.run_until_complete(session.stop())
                loop.run_until_complete(session.close())
            loop.close()
            logging.getLogger().removeFilter(quiet)
