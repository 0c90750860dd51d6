"""The reference reader terminal: a practitioner's terminal with its own verification logic, as a
program of its own (``apcv-reader-terminal``, ``python -m simulators.reader.terminal``).

One run is one read: wait for a phone or card on a PC/SC reader, read and verify it with the
reader kernel (or one of its faulty variants), and report what the screen would show as one JSON
object (docs/reader-terminal.md) on standard output (``-``), as a line on a serial port (a device
path), or in the body of an HTTP POST (an ``http://`` URL). Exit status 0 when the presentation
was read, 1 when it was refused, 2 when the report could not be delivered. Logs go to standard
error, NIRs masked.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apcv.errors import ApcvError, VerificationError
from apcv.input_files import read_bytes
from apcv.links import open_reader
from apcv.links.base import LinkError, NoCardPresent
from apcv.nir import mask_nir
from apcv.nir_spellings import mask_nirs
from apcv.people import Identity
from apcv.profile.r1.constants import SW
from apcv.profile.r1.credentials import TrustAnchor
from simulators.reader.errors import AppLocked, CardError, NoApcvApplication
from simulators.reader.kernel import ReaderKernel
from simulators.reader.result import ReadResult
from simulators.reader.variants import ROLE, VARIANTS
from simulators.variant import pick

EXIT_READ = 0
EXIT_REFUSED = 1
EXIT_UNDELIVERED = 2
POST_TIMEOUT_S = 10.0
MAX_PEM_BYTES = 64 * 1024
_EXPIRED = ("expired", "valid from", "not valid at", "not yet valid", "lifetime", "future")


@dataclass(frozen=True)
class TerminalSettings:
    """What the terminal is told: its reader, the insurer root, the patient chosen, where to report."""

    reader: str
    trust: Path
    output: str = "-"
    beneficiary: int = 0
    wait_s: float = 10.0
    variant: str | None = None


def person(identity: Identity) -> dict[str, Any]:
    """A person as the screen shows them: name, birth date, NIR masked."""
    return {"name": f"{' '.join(identity.first_names)} {identity.birth_name}",
            "birth_date": identity.birth_date.isoformat(), "nir": mask_nir(identity.nir)}


def shown(result: ReadResult) -> dict[str, Any]:
    """The report of a verified presentation: the patient (the person selected), the holder, rights."""
    return {"outcome": "read", "kind": result.kind, "patient": person(result.selected_identity),
            "holder": person(result.holder), "selected": result.selected,
            "coverage": {"fund_code": result.coverage.fund_code, "regime_code": result.coverage.regime_code}}


def refusal(error: Exception) -> dict[str, Any]:
    """The report of a presentation refused, the contract's reason from the error."""
    text = str(error)
    lowered = text.lower()
    if isinstance(error, AppLocked):
        reason = "locked"
    elif isinstance(error, NoApcvApplication):
        reason = "not_apcv"
    elif isinstance(error, CardError) and error.status_word == SW.REFERENCED_DATA_NOT_FOUND:
        reason = "no_beneficiary"
    elif isinstance(error, VerificationError):
        if "another session" in lowered or "another reader challenge" in lowered:
            reason = "replayed"
        elif any(word in lowered for word in _EXPIRED):
            reason = "expired"
        elif "not signed by the insurer" in lowered or "certificate" in lowered:
            reason = "untrusted"
        else:
            reason = "tampered"
    else:
        reason = "unreadable"
    return {"outcome": "refused", "reason": reason, "message": one_line(text)[:300]}


def one_line(text: str) -> str:
    """``text`` on one line, every NIR spelling masked."""
    return mask_nirs(" ".join(text.split()))


def read_once(settings: TerminalSettings, log: Any) -> dict[str, Any]:
    """Wait for a presentation, read and verify it; the report to send."""
    pem = read_bytes(settings.trust, limit=MAX_PEM_BYTES, what="the insurer root")
    try:
        trust = TrustAnchor.from_pem(pem)
    except ValueError as exc:
        raise ApcvError(f"the insurer root {settings.trust} is not a PEM certificate: {exc}") from None
    make_kernel = pick(VARIANTS, ROLE, settings.variant).build if settings.variant else ReaderKernel
    link = open_reader(f"pcsc://{settings.reader}?timeout={settings.wait_s:g}")
    try:
        kernel = make_kernel(link, trust)
        try:
            result = kernel.read(beneficiary=settings.beneficiary)
        except NoCardPresent as exc:
            log(f"nothing read: {exc}")
            return {"outcome": "refused", "reason": "nothing_presented",
                    "message": "no phone or card presented"}
        except LinkError as exc:
            log(f"the read broke off: {exc}")
            return refusal(exc)
        except ApcvError as exc:
            log(f"refused: {one_line(str(exc))}")
            return refusal(exc)
        log(f"read {result.kind} {mask_nir(result.holder.nir)}, "
            f"patient {mask_nir(result.selected_identity.nir)}")
        return shown(result)
    finally:
        link.close()


def deliver(report: dict[str, Any], output: str) -> None:
    """Send ``report`` where the terminal was told (ApcvError when it cannot)."""
    line = json.dumps(report, ensure_ascii=False)
    if output == "-":
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    elif output.startswith(("http://", "https://")):
        import httpx  # only when reporting over HTTP: a third of the start-up otherwise

        try:
            answer = httpx.post(output, content=line.encode(), timeout=POST_TIMEOUT_S,
                                headers={"content-type": "application/json"})
        except httpx.HTTPError as exc:
            raise ApcvError(f"cannot post the report to {output}: {exc}") from None
        if answer.status_code >= 300:
            raise ApcvError(f"{output} answered {answer.status_code} to the report")
    else:
        try:
            with open(output, "wb", buffering=0) as port:
                port.write(line.encode() + b"\r\n")
        except OSError as exc:
            raise ApcvError(f"cannot write the report to {output}: {exc.strerror or exc}") from None


def run_terminal(settings: TerminalSettings) -> int:
    """One read, reported; the exit status."""

    def log(text: str) -> None:
        print(f"reader-terminal: {text}", file=sys.stderr, flush=True)

    report = read_once(settings, log)
    try:
        deliver(report, settings.output)
    except ApcvError as exc:
        log(str(exc))
        return EXIT_UNDELIVERED
    return EXIT_READ if report["outcome"] == "read" else EXIT_REFUSED


def parse_arguments(argv: list[str] | None) -> TerminalSettings:
    """The settings from the command line (argparse exits with status 2 and one line on a bad one)."""
    parser = argparse.ArgumentParser(
        prog="apcv-reader-terminal",
        description="The reference reader terminal: one read through PC/SC, verified, reported as one JSON "
                    "object (docs/reader-terminal.md); exit 0 read, 1 refused, 2 not delivered.")
    parser.add_argument("--reader", required=True, help="the PC/SC reader to read (name or index)")
    parser.add_argument("--trust", required=True, type=Path, help="the insurer root certificate (PEM)")
    parser.add_argument("--output", default="-", metavar="-|PORT|URL",
                        help="where to report: - (standard output), a serial port, an http:// URL to POST to")
    parser.add_argument("--beneficiary", type=int, default=0, choices=range(100), metavar="N",
                        help="the patient chosen: 0 the card holder, n the n-th beneficiary")
    parser.add_argument("--wait", type=float, default=10.0, help="seconds to wait for a phone or card")
    parser.add_argument("--variant", default=None, choices=sorted(VARIANTS), metavar="NAME",
                        help="run a named faulty variant (docs/variants.md)")
    args = parser.parse_args(argv)
    if not 0.1 <= args.wait <= 600:
        parser.error(f"--wait {args.wait:g} is not between 0.1 and 600 seconds")
    return TerminalSettings(args.reader, args.trust, args.output, args.beneficiary, args.wait, args.variant)


def main(argv: list[str] | None = None) -> None:
    """Run one read; exit with the contract's status (a bad argument or insurer root: 2, one line)."""
    settings = parse_arguments(argv)
    try:
        status = run_terminal(settings)
    except ApcvError as exc:
        print(f"apcv-reader-terminal: error: {exc}", file=sys.stderr)
        status = EXIT_UNDELIVERED
    raise SystemExit(status)


if __name__ == "__main__":
    main()
