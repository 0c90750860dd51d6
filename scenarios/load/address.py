"""The address workers on other machines reach the master at, for the command it prints.

A master bound to one address is reached there. Bound to every address (``*``, Locust's
own default), it is reached at this machine's address on the interface its default route
leaves by (found by a UDP ``connect``, which sends nothing), else at the first address of an
interface that is up, loopback and link-local excluded.
"""

from __future__ import annotations

import ipaddress
import socket

import psutil

from scenarios.load.errors import LoadError

WILDCARDS = ("*", "", "0.0.0.0", "::")
ROUTE_PROBE = "192.0.2.1"
"""An address of TEST-NET-1 (RFC 5737): only the route to it is looked up, nothing is sent."""


def _usable(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    return not (address.is_loopback or address.is_link_local or address.is_unspecified)


def _default_route_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((ROUTE_PROBE, 9))
        except OSError:
            return None  # no default route
        address = probe.getsockname()[0]
    return address if _usable(address) else None


def _interface_addresses() -> list[str]:
    stats = psutil.net_if_stats()
    found = []
    for name, addresses in sorted(psutil.net_if_addrs().items()):
        if not stats.get(name) or not stats[name].isup:
            continue
        for family in (socket.AF_INET, socket.AF_INET6):
            found += [a.address for a in addresses if a.family == family and _usable(a.address)]
    return found


def reachable_address(bind_host: str) -> str:
    """Where a worker on another machine connects to a master listening on ``bind_host``."""
    if bind_host not in WILDCARDS:
        return bind_host
    address = _default_route_address() or next(iter(_interface_addresses()), None)
    if address is None:
        raise LoadError("this machine has no address other machines can reach (only loopback): "
                        "connect it to their network or give --master-bind-host ADDRESS")
    return address
