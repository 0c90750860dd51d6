"""Rig files: which link stands behind each role, features and calibration.

A rig is YAML validated by pydantic models; any error names the file and the bad key
(``rigs/x.yaml: roles.reader.max_le: ...``). Rigs hold ports, addresses and calibration,
never test flow.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from apcv.errors import ApcvError
from apcv.input_files import load_yaml, read_text
from apcv.links.base import LinkUrl
from apcv.links.registry import known_display_schemes, known_scanner_schemes, known_schemes
from apcv.profile.catalogue import Role

RIGS_DIR = Path(str(files("rigs")))
"""The built-in rigs, shipped as package data."""
DEFAULT_RIG = RIGS_DIR / "software.yaml"
MAX_RIG_BYTES = 256 * 1024
"""A rig names links, features and calibration: a few kilobytes. Larger files are refused unread."""


class RigError(ApcvError):
    """A rig file is missing, is not YAML, or does not validate."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_link(value: str) -> str:
    try:
        url = LinkUrl.parse(value)
    except ApcvError as exc:
        raise ValueError(str(exc)) from None
    if url.scheme not in known_schemes():
        raise ValueError(f"unknown link scheme '{url.scheme}'; known: {', '.join(known_schemes())}")
    return value


class PresentedRole(_Strict):
    """A device presented to the reader: a phone with the apCV, or a physical card."""

    link: str = Field(description="card-side link URL, e.g. sim:bench or vpcd://127.0.0.1:35963")
    simulated: bool = Field(True, description="false when a real device stands behind the link")
    seed: int = Field(1, description="seed of the synthetic insured person and device key")
    locked: bool = Field(False, description="start with the app locked (phone only)")
    code: str = Field("0000", pattern=r"^[0-9]{4}$", description="the app's 4-digit secret code")

    _link = field_validator("link")(_check_link)


class ReaderRole(_Strict):
    """The reference reader kernel and the link it reads through."""

    link: str = Field(description="reader-side link URL, e.g. sim:bench or pcsc://Virtual PCD 00 00")
    extended_length: bool = False
    max_le: int = Field(256, ge=1, le=256, description="largest short Le the reader asks for")
    raw_link: str | None = Field(None, description=(
        "a second reader link to the same device that carries commands of any length, e.g. "
        "nfc://udp:127.0.0.1:35966: the tests sending commands of 0 or 1 byte, which PC/SC and vpcd "
        "cannot carry, go there; the rig then has the tiny-apdus feature"))

    _link = field_validator("link")(_check_link)

    @field_validator("raw_link")
    @classmethod
    def _check_raw_link(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _check_link(value)
        if LinkUrl.parse(value).scheme in PCSC_SCHEMES:
            raise ValueError(f"{value!r}: PC/SC cannot carry commands of 0 or 1 byte; give a link that "
                             "does, e.g. nfc://udp:127.0.0.1:PORT")
        return value


def _check_backend_link(value: str) -> str:
    scheme, _, rest = value.partition(":")
    embedded = scheme == "embedded" and not rest
    served = scheme in ("http", "https") and len(rest) > 2 and rest.startswith("//")
    if embedded or served:
        return value
    raise ValueError(f"backend link {value!r} must be 'embedded:' or 'http://host:port'")


class BackendRole(_Strict):
    """The insurer backend: in-process (``embedded:``) or a served one (``http://host:port``)."""

    link: str = Field(description="embedded: or http://host:port")

    _link = field_validator("link")(_check_backend_link)


def _scheme_check(kind: str, known_schemes: Callable[[], list[str]]) -> Callable[[str], str]:
    """A validator of ``kind`` link URLs: parsed, and of a scheme ``known_schemes()`` lists."""

    def check(value: str) -> str:
        try:
            url = LinkUrl.parse(value)
        except ApcvError as exc:
            raise ValueError(str(exc)) from None
        known = known_schemes()
        if url.scheme not in known:
            raise ValueError(f"unknown {kind} link scheme '{url.scheme}'; known: {', '.join(known)}")
        return value

    return check


_check_scanner_link = _scheme_check("scanner", known_scanner_schemes)


CAMERA_SCHEMES = ("image", "camera", "frames")


class ScannerRole(_Strict):
    """The practitioner's QR scanner: serial:, wedge:, camera: (hardware), sim: or image: (in-process)."""

    link: str = Field(description="scanner link URL, e.g. sim:bench or serial:///dev/ttyACM0?suffix=cr")
    timeout: float | None = Field(None, gt=0, le=3600, description=(
        "seconds a read waits for a payload; default: the link URL's timeout parameter, else 5"))

    _link = field_validator("link")(_check_scanner_link)


_check_display_link = _scheme_check("display", known_display_schemes)


IN_PROCESS_SCANNER_SCHEMES = ("sim", "image")
"""Scanner links simulated in the harness's process: no scanner device stands behind them."""


class DisplayRole(_Strict):
    """Where the harness shows the phone's QR code to a scanner under test: ``screen:`` (a monitor
    a real scanner looks at) or ``frames:`` (a picture file our simulated scanner films)."""

    link: str = Field(description="display link URL, e.g. screen: (the X display in $DISPLAY) or frames:")

    _link = field_validator("link")(_check_display_link)


class Roles(_Strict):
    """Roles a scenario may ask for."""

    phone: PresentedRole | None = None
    card: PresentedRole | None = None
    reader: ReaderRole
    backend: BackendRole | None = None
    scanner: ScannerRole | None = None
    display: DisplayRole | None = None


CONTROL_ACTIONS = ("tap", "remove", "lock", "unlock", "show_qr", "enter_code", "biometric", "reactivate",
                   "bill", "read")


PCSC_SCHEMES = ("vpcd", "pcsc")


class DutIdentity(_Strict):
    """What the vendor declares the device under test is (shown in reports and bundles)."""

    vendor: str = ""
    model: str = ""
    version: str = Field("", description="firmware or app version")
    serial: str = ""
    description: str = ""


class DutControlConfig(_Strict):
    """How the harness makes the device under test do a physical act (tap, lock, show the QR).

    ``prompt``: a person at the terminal is asked, and the harness waits up to ``timeout``;
    ``command``: a command template per action (e.g. an adb call), run with a timeout;
    ``api``: the control channel of our own simulators (``url`` tcp://host:port, or none for
    a device simulated in-process).
    """

    kind: Literal["prompt", "command", "api"] = "prompt"
    timeout: float = Field(60, gt=0, le=3600, description="seconds an action may take")
    actions: dict[str, str] = Field(default_factory=dict,
                                    description="command template per action (kind: command)")
    url: str = Field("", description="control channel of a simulator process (kind: api)")

    @field_validator("actions")
    @classmethod
    def _known_actions(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(CONTROL_ACTIONS))
        if unknown:
            raise ValueError(f"unknown action {', '.join(unknown)}; actions: {', '.join(CONTROL_ACTIONS)}")
        return value

    def automates(self, action: str) -> bool:
        """True when ``action`` needs no person: an API, or a command given for it."""
        return self.kind == "api" or (self.kind == "command" and action in self.actions)


class TerminalOutput(_Strict):
    """Where a reader terminal under test reports what it read (docs/reader-terminal.md): the standard
    output of its ``read`` command, lines on a serial port, an HTTP callback the harness serves, or a
    person typing what the terminal's screen shows."""

    kind: Literal["command", "serial", "http", "prompt"]
    port: str = Field("", description=(
        "serial: the port the terminal writes its reports to (default: a pseudo-terminal the harness "
        "makes and names in the read command's {output})"))
    timeout: float = Field(30, gt=0, le=3600, description="seconds to wait for a report once the read began")


class DutConfig(_Strict):
    """The device under test: its role, identity, control, and (for our own reference
    implementations) the faulty variant to run instead, to prove the plan can fail."""

    role: Role
    identity: DutIdentity = Field(default_factory=DutIdentity)
    control: DutControlConfig = Field(default_factory=DutControlConfig)
    variant: str | None = Field(None, description="a named faulty variant of our reference implementation")
    launch: tuple[str, ...] = Field((), description=(
        "command started for the session and stopped after it (a simulator process standing in "
        "for the device), e.g. [apcv-hil, simulate, phone, --control, tcp://127.0.0.1:35990]"))
    ready_line: str = Field("ready:", min_length=1, description=(
        "the launched process is ready once it prints a line starting with this"))
    ready_port: str = Field("", pattern=r"^(tcp://[^:/\s]+:[0-9]{1,5})?$", description=(
        "or once this tcp://HOST:PORT accepts a connection (for a device that logs elsewhere)"))
    ready_timeout: float = Field(60, gt=0, le=3600, description="seconds the process has to be ready")
    trust_anchor: str = Field("", description=(
        "PEM file of the insurer root the DUT's keys chain to (default: the rig seed's synthetic insurer)"))
    output: TerminalOutput | None = Field(None, description=(
        "reader: the output channel of a reader terminal with its own verification logic; none for a "
        "transport-only reader"))
    qr_input: Literal["serial", "stdin", "keyboard", "none"] = Field("none", description=(
        "how a billing program under test receives scanned QR codes: a serial port the harness gives it "
        "({scanner}), typed on its standard input, typed by a virtual keyboard (windowed), or none"))


PLACE_RESOURCE = re.compile(r"\{place\.([A-Za-z0-9_-]+)\}")
"""``{place.NAME}`` in a rig's strings: the HOST:PORT of the place's resource NAME (docs/rigs.md)."""
PCSCD_RESOURCE = "pcscd"
"""The place resource carrying the bench's PC/SC service, which ``vpcd:`` and ``pcsc:`` roles go through."""


class RigConfig(_Strict):
    """A whole rig file."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    place: str | None = Field(None, pattern=r"^[A-Za-z0-9_.:-]+$", description=(
        "a labgrid place holding the rig's devices: run and certify acquire it, reach its resources "
        "({place.NAME} in a link), and release it"))
    coordinator: str = Field("", pattern=r"^([^\s:/]+(:[0-9]{1,5})?)?$", description=(
        "HOST:PORT of the labgrid coordinator (default: $LG_COORDINATOR, else 127.0.0.1:20408)"))
    profile: Literal["APCV-R1"] = "APCV-R1"
    seed: int = Field(0, description="seed of the synthetic insurer PKI")
    roles: Roles
    dut: DutConfig | None = None
    features: tuple[str, ...] = ()
    calibration: dict[str, float] = Field(default_factory=dict)
    path: str = Field("", exclude=True)

    @model_validator(mode="after")
    def _place_named(self) -> RigConfig:
        if self.place is None:
            used = self.place_resources()
            if used:
                raise ValueError(f"names place resources ({', '.join(sorted(used))}) but no place: "
                                 "add place: NAME")
            if self.coordinator:
                raise ValueError("names a coordinator but no place: add place: NAME")
        elif self.dut is not None and self.dut.launch:
            raise ValueError("a rig on a place cannot launch its DUT here: the device is on the place's "
                             "bench (remove dut.launch)")
        return self

    def place_resources(self) -> set[str]:
        """The place resources the rig needs: each ``{place.NAME}`` it names, and ``pcscd`` when a
        role goes through PC/SC (on a place, the bench's pcscd)."""
        text = self.model_dump_json(exclude={"place", "coordinator", "path"})
        names = set(PLACE_RESOURCE.findall(text))
        if self.place is not None and self.uses_pcsc():
            names.add(PCSCD_RESOURCE)
        return names

    def simulated_scanner(self) -> bool:
        """True when the scanner role is simulated in-process (``sim:``, ``image:``): a scanner DUT
        is then our simulated scanner device, which the harness runs as a process of its own."""
        scanner = self.roles.scanner
        return scanner is not None and LinkUrl.parse(scanner.link).scheme in IN_PROCESS_SCANNER_SCHEMES

    def uses_pcsc(self) -> bool:
        """True when a role goes through the OS's PC/SC stack (vpcd: or pcsc:): pcscd must run, and
        plans on such rigs share its one virtual reader."""
        roles = (self.roles.phone, self.roles.card, self.roles.reader)
        return any(r is not None and LinkUrl.parse(r.link).scheme in PCSC_SCHEMES for r in roles)

    def dut_variant(self, role: str) -> str | None:
        """The faulty variant the rig names for ``role`` when ``role`` is its DUT, else None."""
        return self.dut.variant if self.dut is not None and self.dut.role == role else None

    def has_feature(self, feature: str) -> bool:
        """True when the rig declares ``feature`` or it follows from a simulated role."""
        return feature in self.all_features()

    def all_features(self) -> set[str]:
        implied = set()
        if self.roles.phone and self.roles.phone.simulated:
            implied.add("sim-phone")
        if self.roles.card and self.roles.card.simulated:
            implied.add("sim-card")
        if self.roles.scanner:
            implied.add("qr-scanner")
            if LinkUrl.parse(self.roles.scanner.link).scheme in CAMERA_SCHEMES:
                implied.add("qr-camera")
        if self.roles.reader.raw_link:
            implied.add("tiny-apdus")  # the tests sending them go through the raw link
        if self.roles.backend and self.roles.backend.link == "embedded:":
            implied.add("test-clock")  # the harness starts our backend with its test clock
            implied.add("insurer-key")  # ... and its insurer, the rig seed's synthetic PKI
        return set(self.features) | implied


def _explain(error: ValidationError, source: str) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"{source}: {where}: unknown key")
        elif item["type"] == "missing":
            lines.append(f"{source}: {where}: required key is missing")
        else:
            lines.append(f"{source}: {where}: {item['msg'].removeprefix('Value error, ')}")
    return "; ".join(lines)


def parse_rig(data: Any, source: str = "<rig>") -> RigConfig:
    """Validate rig data already read from YAML."""
    if not isinstance(data, dict):
        raise RigError(f"{source}: a rig must be a YAML mapping, got {type(data).__name__}")
    try:
        return RigConfig.model_validate({**data, "path": source})
    except ValidationError as exc:
        raise RigError(_explain(exc, source)) from None


def find_rig(path: str | Path | None) -> Path:
    """The rig file ``path`` names: a file from the current directory, else a built-in rig by
    name (``software``, ``software.yaml`` or ``rigs/software.yaml``); the default rig for None."""
    if not path:
        return DEFAULT_RIG
    target = Path(path)
    if target.exists():
        return target
    name = target.as_posix().removeprefix("rigs/")
    for candidate in (RIGS_DIR / name, RIGS_DIR / f"{name}.yaml"):
        if candidate.is_file():
            return candidate
    return target


def load_rig(path: str | Path | None = None) -> RigConfig:
    """Read and validate a rig file (see :func:`find_rig` for how it is found).

    Only a regular file of at most :data:`MAX_RIG_BYTES` is read, and its YAML may not use aliases.
    """
    target = find_rig(path)
    text = read_text(target, limit=MAX_RIG_BYTES, what="rig file", error=RigError,
                     missing_hint=f" (rigs available in {RIGS_DIR})")
    return parse_rig(load_yaml(text, str(target), RigError), str(target))
