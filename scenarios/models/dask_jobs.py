"""Run a model's independent jobs on a Dask cluster (``--dask tcp://host:port``)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

from scenarios.models.errors import ModelError

DASK_CONNECT_TIMEOUT = "5s"


def on_dask(address: str, function: Callable[..., Any], jobs: Sequence[tuple[Hashable, tuple]]
            ) -> Iterator[tuple[Hashable, Any]]:
    """``(key, function(*args))`` for each ``(key, args)`` of ``jobs``, as the cluster finishes them.

    Each job is one task (``pure=False``: the same arguments twice are two tasks). Leaving the
    loop early (Ctrl-C, an error) cancels every task not yet done, so nothing keeps running on
    the cluster. An unreachable scheduler is a :class:`ModelError` naming it.
    """
    from distributed import Client
    from distributed import as_completed as dask_completed

    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ModelError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        futures = {client.submit(function, *args, pure=False): key for key, args in jobs}
        try:
            for future in dask_completed(list(futures)):
                yield futures[future], future.result()
        finally:
            client.cancel(list(futures))
