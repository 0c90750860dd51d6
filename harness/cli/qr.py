"""``apcv-hil qr``: write the phone's QR code, decode and verify images of codes, show it on a screen;
``apcv-hil qr-bench``: the decode-rate matrix of every camera condition × decoder."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import click

from apcv.clock import Clock, WallClock
from apcv.errors import ApcvError
from apcv.imaging.decoders import DECODERS, DecoderError, make_decoder
from apcv.imaging.files import read_gray, write_gray
from apcv.imaging.qr_render import render_qr
from apcv.input_files import MAX_PEM_BYTES, read_bytes
from apcv.links.display_base import DisplayLink
from apcv.links.registry import open_display
from apcv.profile.r1 import qr as r1_qr
from apcv.profile.r1.constants import QR_CLOCK_SKEW_S, QR_MAX_TEXT
from apcv.profile.r1.credentials import TrustAnchor
from apcv.seeded_keys import synthetic_insurer
from harness.cli import FAILED_EXIT, OneLineError
from harness.qr_check import TokenCheck, check_token
from harness.rig import RigConfig, load_rig
from simulators.factory import synthetic_phone
from simulators.phone.phone import Phone

RIG_HELP = "Rig file or name whose simulated phone and insurer are used (default: software)."


def rig_phone(config: RigConfig, clock: Clock, beneficiary: int = 0) -> Phone:
    """The rig's simulated phone, unlocked, its QR screen showing ``beneficiary`` (0: holder)."""
    role = config.roles.phone
    if role is None or not role.simulated:
        raise ApcvError(f"rig '{config.name}' has no simulated phone (roles.phone with simulated: true)")
    if role.locked:
        raise ApcvError(f"rig '{config.name}': the phone starts locked (roles.phone.locked: true) "
                        "and shows no QR code")
    phone = synthetic_phone(role.seed, synthetic_insurer(config.seed), clock, code=role.code)
    people = phone.wallet.insured.beneficiaries
    if beneficiary > len(people):
        raise ApcvError(f"--beneficiary {beneficiary}: the card has {len(people)} beneficiaries "
                        "(0 is the holder)")
    phone.qr.select(people[beneficiary - 1].identity.nir if beneficiary else None)
    return phone


@click.group()
def qr() -> None:
    """The phone's QR code: write it, decode and verify images of it, show it to a real scanner."""


@qr.command()
@click.option("--rig", "rig_file", default=None, help=RIG_HELP)
@click.option("--beneficiary", type=click.IntRange(min=0), default=0, show_default=True,
              help="0 for the holder, i for the i-th beneficiary.")
@click.option("--scale", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Pixels per QR module.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Image to write (.png).")
def encode(rig_file: str | None, beneficiary: int, scale: int, out: Path) -> None:
    """Write the QR code the rig's phone shows now."""
    phone = rig_phone(load_rig(rig_file), WallClock(), beneficiary)
    text = phone.qr_payload()
    if text is None:
        raise ApcvError("the phone shows no QR code (its unlock session is over)")
    write_gray(out, render_qr(text, scale=scale))
    claims = r1_qr.decode(text).claims
    who = "holder" if claims.beneficiary is None else f"beneficiary {beneficiary}"
    click.echo(f"{out}: token for the {who}, {len(text)} characters, card {claims.card_reference}, "
               f"valid until {datetime.fromtimestamp(claims.expires_at, UTC):%H:%M:%S} UTC")


def _trust(config: RigConfig, trust_file: Path | None) -> TrustAnchor:
    if trust_file is None:
        return synthetic_insurer(config.seed).trust_anchor
    pem = read_bytes(trust_file, limit=MAX_PEM_BYTES, what="--trust")
    try:
        return TrustAnchor.from_pem(pem)
    except ValueError as exc:
        raise ApcvError(f"--trust {trust_file}: not a PEM certificate: {exc}") from None


def _known_devices(config: RigConfig) -> tuple[dict[bytes, bytes], dict[bytes, int]]:
    """The rig's simulated phone as the verifier's registry: kid -> certificate, and its people."""
    role = config.roles.phone
    if role is None or not role.simulated:
        return {}, {}
    wallet = synthetic_phone(role.seed, synthetic_insurer(config.seed), locked=True).wallet
    kid = r1_qr.key_id(wallet.device_key.public_key())
    people = {r1_qr.beneficiary_reference(wallet.card_reference, b.identity.nir): i
              for i, b in enumerate(wallet.insured.beneficiaries, start=1)}
    return {kid: wallet.device_certificate_der}, people


def _when(at: str | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise ApcvError(f"--at {at!r} is not an ISO date and time (e.g. 2025-03-01T09:30:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _decode_image(path: Path, decoder_name: str) -> list[str]:
    """Texts of the QR codes in the image; ApcvError naming the file when there is none."""
    frame = read_gray(path)
    try:
        texts = make_decoder(decoder_name).decode(frame)
    except DecoderError as exc:
        raise ApcvError(f"{path}: {exc}") from None
    if not texts:
        raise ApcvError(f"{path}: no QR code found ({decoder_name} decoder, "
                        f"{frame.shape[1]}×{frame.shape[0]} pixels)")
    return texts


def _line(path: Path, check: TokenCheck, at: datetime) -> str:
    if check.problem is not None:
        return f"{path}: {check.problem}"
    claims = check.claims
    assert claims is not None
    late = int(at.timestamp()) - claims.expires_at
    until = f"{datetime.fromtimestamp(claims.expires_at, UTC):%Y-%m-%d %H:%M:%S} UTC"
    when = (f"expired {late} s ago ({until}), accepted within the {QR_CLOCK_SKEW_S} s clock skew allowance"
            if late > 0 else f"valid until {until}")
    return (f"{path}: valid APCV1 token for the {check.person}, card {claims.card_reference}, "
            f"token {claims.token_id.hex()[:8]}…, {when}")


def _failed_check(message: str) -> OneLineError:
    """A token that is not valid is a failed check (exit 1), not bad input (exit 2)."""
    return OneLineError(message, FAILED_EXIT)


@qr.command()
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--decoder", type=click.Choice(list(DECODERS)), default="ensemble", show_default=True)
@click.option("--rig", "rig_file", default=None, help=RIG_HELP)
@click.option("--trust", "trust_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Insurer root certificate (PEM) to verify against; default: the rig's synthetic insurer.")
@click.option("--at", default=None, help="Verify as of this ISO time (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of one line per code.")
def decode(images: tuple[Path, ...], decoder: str, rig_file: str | None, trust_file: Path | None,
           at: str | None, as_json: bool) -> None:
    """Decode QR images and verify each token offline (format, signature, expiry).

    One line per image; the exit status is 0 only when every image holds a valid token.
    """
    config = load_rig(rig_file)
    trust = _trust(config, trust_file)
    devices, people = _known_devices(config)
    moment = _when(at)
    results: list[dict] = []
    failures = 0
    for path in images:
        try:
            texts = _decode_image(path, decoder)
        except ApcvError as exc:
            if len(images) == 1 and not as_json:
                raise
            failures += 1
            results.append({"image": str(path), "valid": False, "problem": str(exc)})
            if not as_json:
                click.echo(str(exc))
            continue
        for text in texts:
            check = check_token(text, trust, moment, devices, people)
            failures += not check.valid
            results.append({"image": str(path), **check.summary()})
            if as_json:
                continue
            if len(images) == 1 and len(texts) == 1 and not check.valid:
                raise _failed_check(_line(path, check, moment))
            click.echo(_line(path, check, moment))
    if as_json:
        click.echo(json.dumps(results, indent=2))
    if failures:
        raise _failed_check(f"{failures} of {len(results)} image(s) or code(s) did not give a valid "
                            "APCV1 token")


@qr.command()
@click.argument("texts", nargs=-1)
@click.option("--rig", "rig_file", default=None, help=RIG_HELP)
@click.option("--trust", "trust_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Insurer root certificate (PEM) to verify against; default: the rig's synthetic insurer.")
@click.option("--at", default=None, help="Verify as of this ISO time (default: now).")
def verify(texts: tuple[str, ...], rig_file: str | None, trust_file: Path | None, at: str | None) -> None:
    """Verify scanned token texts offline, one per argument or, with none, one per line of stdin
    (pipe what a scanner sent: terminators and blank lines are ignored)."""
    config = load_rig(rig_file)
    trust, moment = _trust(config, trust_file), _when(at)
    devices, people = _known_devices(config)
    lines = texts or _stdin_texts()
    checked = failed = 0
    for text in lines:
        if not text.strip():
            continue
        checked += 1
        check = check_token(text, trust, moment, devices, people)
        line = _line(Path(f"token {checked}"), check, moment)
        if len(texts) == 1 and not check.valid:
            raise _failed_check(line)
        failed += not check.valid
        click.echo(line)
    if not checked:
        raise ApcvError("no token text given (as arguments or on stdin)")
    if failed:
        raise _failed_check(f"{failed} of {checked} token(s) are not valid")


def _stdin_texts() -> Iterator[str]:
    """Lines of stdin without their terminators; a line past the longest token is cut short
    (it fails the length check) and the rest of it skipped, so memory stays bounded."""
    limit = QR_MAX_TEXT + 1
    while line := sys.stdin.readline(limit):
        if len(line) == limit and not line.endswith("\n"):
            while (rest := sys.stdin.readline(limit)) and not rest.endswith("\n"):
                pass
        yield line.rstrip("\r\n\t")


@qr.command()
@click.option("--rig", "rig_file", default=None, help=RIG_HELP)
@click.option("--beneficiary", type=click.IntRange(min=0), default=0, show_default=True,
              help="0 for the holder, i for the i-th beneficiary.")
@click.option("--display", "display_url", default="screen:", show_default=True,
              help="Display link: screen: (the X display in $DISPLAY), screen::1, screen:?windowed=800x600.")
@click.option("--rotation", type=click.FloatRange(0.5, 3600), default=None,
              help="Seconds between codes (default: the profile's 30).")
@click.option("--duration", type=click.FloatRange(min=0), default=0, show_default=True,
              help="Seconds to show codes; 0 runs until Ctrl-C.")
def show(rig_file: str | None, beneficiary: int, display_url: str, rotation: float | None,
         duration: float) -> None:
    """Show the phone's live, rotating QR code full-screen, for a real scanner pointed at the monitor.

    Each new code is printed with the time it appeared; when the 15-minute unlock session
    ends the phone is unlocked again, as the holder would.
    """
    phone = rig_phone(load_rig(rig_file), WallClock(), beneficiary)
    if rotation is not None:
        phone.qr.rotation_s = rotation
    display = open_display(display_url)
    try:
        display.show(phone)
        click.echo(f"showing the phone's code on {display_url} ({display.size[0]}×{display.size[1]}), "
                   f"a new one every {phone.qr.rotation_s:g} s" + ("" if duration else "; Ctrl-C stops"))
        _follow(display, phone, duration)
    finally:
        display.close()


def _follow(display: DisplayLink, phone: Phone, duration: float) -> None:
    """Print each code as it appears, until ``duration`` s have passed (0: forever)."""
    end = time.monotonic() + duration if duration else float("inf")
    printed = codes = 0
    while time.monotonic() < end:
        if phone.qr_payload() is None:
            phone.unlock()
            click.echo("the unlock session ended: unlocked again")
        history = display.history
        for shown in history[printed:]:
            if shown.payload is not None:
                codes += 1
                wall = datetime.fromtimestamp(time.time() - (time.monotonic() - shown.at), UTC)
                token_id = r1_qr.decode(shown.payload).claims.token_id.hex()
                click.echo(f"{wall:%H:%M:%S.%f}"[:-3] + f" UTC code {codes}: token {token_id[:8]}…, "
                           f"{len(shown.payload)} characters")
        printed = len(history)
        time.sleep(min(0.1, max(0.0, end - time.monotonic())))
