"""``apcv-hil simulate phone|card|devices|scanner``: keep simulated devices on a link for outside
software (the scanner: :mod:`harness.cli.simulate_scanner`).

The device stays presented (e.g. on pcscd's virtual reader through ``vpcd:``) until
SIGINT or SIGTERM, which end the command cleanly with status 0; ``devices`` keeps several
phones and cards by the reader, one on it at a time, tapped through the control channel.
Each exchange is logged on stderr with NIRs masked.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

import click

from apcv.clock import WallClock
from apcv.links import CardSlot, LinkError, open_card_slot
from apcv.links.base import CardResponder, LinkUrl
from apcv.links.registry import open_display
from apcv.seeded_keys import synthetic_insurer
from harness.cli.simulate_scanner import simulate_scanner
from harness.dut.control_server import ControlServer
from harness.dut.devices import DeviceSet, load_spec
from harness.pcsc import ensure_pcscd
from simulators.factory import synthetic_card, synthetic_phone
from simulators.phone.phone import Phone
from simulators.variants import find_variant

DEFAULT_LINK = "vpcd://127.0.0.1:35963"
WATCH_INTERVAL_S = 0.5


@click.group()
def simulate() -> None:
    """Keep a simulated phone or card on a link, or a scanner on a port, until interrupted."""


simulate.add_command(simulate_scanner)


def _link_options(default_seed: int) -> Callable:
    def decorate(command: Callable) -> Callable:
        for option in reversed((
            click.option("--link", default=DEFAULT_LINK, show_default=True,
                         help="Card-side link URL (vpcd://HOST:PORT puts it on pcscd's virtual reader)."),
            click.option("--seed", type=int, default=default_seed, show_default=True,
                         help="Seed of the synthetic insured person and device key."),
            click.option("--insurer-seed", type=int, default=0, show_default=True,
                         help="Seed of the synthetic insurer PKI (the rig's `seed`)."),
            click.option("--start-pcscd", is_flag=True,
                         help="Start pcscd (with the vpcd driver) if it is not running; stop it on exit."),
        )):
            command = option(command)
        return command
    return decorate


@simulate.command("phone")
@_link_options(default_seed=2)
@click.option("--locked", is_flag=True, help="Start with the app locked (the reader gets 6982).")
@click.option("--code", default="0000", show_default=True, help="The app's 4-digit secret code.")
@click.option("--variant", default=None,
              help="Run a named faulty variant of the phone (see apcv-hil plan phone).")
@click.option("--control", "control_url", default=None, metavar="tcp://HOST:PORT",
              help="Serve a control channel (tap, remove, lock, unlock, show_qr, enter_code, biometric, "
                   "reactivate, status) for a test bench.")
@click.option("--screen", "screen_url", default=None, metavar="frames:PATH",
              help="Show the phone's screen (its QR code while unlocked) where a camera can film it: "
                   "a picture file (frames:PATH; its folder is made) or a window (screen:DISPLAY).")
def simulate_phone(link: str, seed: int, insurer_seed: int, start_pcscd: bool, locked: bool, code: str,
                   variant: str | None, control_url: str | None, screen_url: str | None) -> None:
    """A phone with the apCV, tapped on the reader until interrupted."""
    if not (len(code) == 4 and code.isascii() and code.isdigit()):
        raise click.BadParameter(f"{code!r} is not 4 digits", param_hint="--code")
    insurer = synthetic_insurer(insurer_seed)
    phone = synthetic_phone(seed, insurer, WallClock(), code=code, locked=locked)
    if variant:
        phone = find_variant("phone", variant).build(phone, insurer, seed)
    what = f"phone (seed {seed}{', locked' if locked else ''}{', variant ' + variant if variant else ''})"
    with ExitStack() as stack:
        if screen_url is not None:
            stack.enter_context(_screen(phone, screen_url))
        _serve(phone, what, link, start_pcscd, control_url)


@contextmanager
def _screen(phone: Phone, url: str) -> Iterator[None]:
    """The phone's screen shown on the display ``url`` (it follows the screen) until the end."""
    parsed = LinkUrl.parse(url)
    if parsed.scheme == "frames" and parsed.target:
        Path(parsed.target).parent.mkdir(parents=True, exist_ok=True)
    display = open_display(url)
    try:
        display.show(phone)
        click.echo(f"screen on {url}", err=True)
        yield
    finally:
        display.close()


@simulate.command("card")
@_link_options(default_seed=5)
def simulate_card(link: str, seed: int, insurer_seed: int, start_pcscd: bool) -> None:
    """A physical Vitale card, inserted in the reader until interrupted."""
    _serve(synthetic_card(seed, synthetic_insurer(insurer_seed)), f"card (seed {seed})", link, start_pcscd)


@simulate.command("devices")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--link", default=DEFAULT_LINK, show_default=True,
              help="Card-side link URL (vpcd://HOST:PORT puts them on pcscd's virtual reader).")
@click.option("--control", "control_url", required=True, metavar="tcp://HOST:PORT",
              help="The control channel (tap DEVICE, remove, lock, unlock, beneficiary, qr, status); port 0: "
                   "any free port, printed.")
@click.option("--start-pcscd", is_flag=True,
              help="Start pcscd (with the vpcd driver) if it is not running; stop it on exit.")
def simulate_devices(spec: Path, link: str, control_url: str, start_pcscd: bool) -> None:
    """Several phones and cards (a JSON file of wallets and card holders) by the reader, one on it at a
    time, tapped through the control channel; nothing is on the reader at start."""
    loaded = load_spec(spec)
    _serve(None, f"{len(loaded.devices)} devices", link, start_pcscd, control_url,
           lambda slot: _devices_control(DeviceSet(loaded, slot)))


def _devices_control(devices: DeviceSet) -> Control:
    return devices.actions(), devices.status, devices.expects_attached


Control = tuple[dict[str, Callable[..., object]], Callable[[], dict], Callable[[], bool]]
"""A control channel's actions, its status, and whether a device should be on the reader now."""


def _phone_control(phone: Phone, slot: CardSlot) -> Control:
    """The phone's acts, its status, and whether it should be on the reader: not after ``remove``
    (taken away on purpose, until ``tap``), so the process waits instead of ending as if pcscd had
    gone."""
    on_reader = threading.Event()
    on_reader.set()
    actions = _phone_actions(phone, slot)
    tap, remove = actions["tap"], actions["remove"]

    def tapped() -> None:
        tap()
        on_reader.set()

    def removed() -> None:
        on_reader.clear()
        remove()

    def status() -> dict:
        return {"unlocked": phone.lock.unlocked, "blocked": phone.lock.blocked}

    return {**actions, "tap": tapped, "remove": removed}, status, on_reader.is_set


def _phone_actions(phone: Phone, slot: CardSlot) -> dict[str, Callable[..., object]]:
    return {
        "tap": lambda: slot.attach(phone),
        "remove": slot.detach,
        "lock": phone.lock.lock,
        "unlock": phone.unlock,
        "show_qr": phone.unlock,
        "enter_code": phone.enter_code,
        "biometric": phone.biometric,
        "reactivate": phone.reactivate,
    }


def _serve(device: CardResponder | None, what: str, link: str, start_pcscd: bool,
           control_url: str | None = None, control: Callable[[CardSlot], Control] | None = None) -> None:
    """Serve ``device`` (or the devices ``control`` makes) on ``link`` until SIGINT/SIGTERM."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    links_log = logging.getLogger("apcv.links")
    links_log.addHandler(handler)
    links_log.setLevel(logging.INFO)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with ExitStack() as stack:
            if start_pcscd:
                stack.enter_context(ensure_pcscd())
            slot = open_card_slot(link)
            stack.callback(slot.close)
            if device is not None:
                slot.attach(device)
            if control is None and isinstance(device, Phone):
                control = partial(_phone_control, device)
            expects_attached: Callable[[], bool] = lambda: True  # noqa: E731
            if control_url is not None and control is not None:
                actions, status, expects_attached = control(slot)
                server = ControlServer(control_url, actions, status)
                stack.callback(server.close)
                click.echo(f"control channel on {server.url}", err=True)
            click.echo(f"ready: simulated {what} on {link}; Ctrl-C to stop", err=True)
            while not stop.wait(WATCH_INTERVAL_S):
                if expects_attached() and getattr(slot, "attached", True) is False:
                    raise LinkError(f"{link}: the link closed (pcscd stopped?); the {what} is off the reader")
        click.echo(f"stopped: simulated {what} left {link}", err=True)
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        links_log.removeHandler(handler)
