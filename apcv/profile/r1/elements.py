"""Every element a device's answers carry under APCV-R1, for the profile coverage table.

Tags come from walking the profile's own templates (the phone's FCI, the card's FCP), keys
from the presentation's claims and the card file's map; status words per error case, the
state after each error, the pieces of a long answer and the remaining fields from
``elements.yaml`` (package data). Each element names the requirement it belongs to; a
conformance test names the elements it checks with ``@pytest.mark.apcv_element(id)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from apcv.errors import ApcvError
from apcv.input_files import load_yaml
from apcv.profile.catalogue import load_catalogue
from apcv.profile.r1.constants import EF_IDENTITY, SW
from apcv.profile.r1.files import CARD_FILE_KEYS, fci, fcp, tlv_paths
from apcv.profile.r1.presentation import CLAIM_KEYS

Kind = Literal["tag", "key", "field", "sw", "state", "chunk"]
ELEMENT_ID = r"^(phone|card)\.(tag|key|field|sw|state|chunk)\.[A-Za-z0-9/._-]+$"


class ElementError(ApcvError):
    """elements.yaml has a bad entry, or names a requirement or status word the profile lacks."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ELEMENT_ID)
    device: Literal["phone", "card"]
    kind: Kind
    requirement: str
    what: str = Field(min_length=1)
    sw: str | None = Field(None, pattern=r"^[0-9A-F]{4}$")


@dataclass(frozen=True)
class Element:
    """One element of a device's answers: what it is and the requirement it belongs to."""

    id: str
    device: str
    kind: str
    requirement: str
    what: str


_TAG_NAMES = {"6F": "FCI template", "6F/84": "the AID", "6F/A5": "proprietary template",
              "6F/A5/80": "profile version", "6F/A5/81": "largest command data accepted",
              "62": "FCP template", "62/80": "file size", "62/82": "file descriptor: transparent EF",
              "62/83": "file identifier"}


def _tags(device: str, answer: str, template: bytes, requirement: str) -> list[Element]:
    return [Element(f"{device}.tag.{path}", device, "tag", requirement,
                    f"{answer}: tag {path.rsplit('/', 1)[-1]}, {_TAG_NAMES.get(path, 'unnamed')}")
            for path, _ in tlv_paths(template)]


def _keys(device: str, answer: str, keys: frozenset[str] | set[str] | tuple[str, ...],
          requirement: str) -> list[Element]:
    return [Element(f"{device}.key.{key}", device, "key", requirement, f"{answer}: key `{key}`")
            for key in sorted(keys)]


SOURCE = "apcv/profile/r1/elements.yaml"


@cache
def profile_elements() -> tuple[Element, ...]:
    """Every element of R1, tags and keys first, then elements.yaml in its order."""
    return build_elements((files("apcv.profile.r1") / "elements.yaml").read_text(encoding="utf-8"), SOURCE)


def build_elements(text: str, source: str) -> tuple[Element, ...]:
    """The profile's tags and keys, then the entries of the elements YAML ``text``; an
    ElementError names ``source`` and the first bad entry."""
    found = (_tags("phone", "SELECT answer (FCI)", fci(), "APCV-NFC-001")
             + _keys("phone", "presentation claims", CLAIM_KEYS, "APCV-NFC-021")
             + _tags("card", "SELECT EF answer (FCP)", fcp(EF_IDENTITY, 0), "APCV-CARD-002")
             + _keys("card", "identity file", CARD_FILE_KEYS, "APCV-CARD-004"))
    found += [Element(e.id, e.device, e.kind, e.requirement, f"{e.what}: {e.sw}" if e.sw else e.what)
              for e in _entries(text, source)]
    known, seen = load_catalogue().by_id(), set()
    for element in found:
        if element.id in seen:
            raise ElementError(f"{source}: {element.id} is listed twice")
        seen.add(element.id)
        requirement = known.get(element.requirement)
        if requirement is None or element.device not in requirement.roles:
            raise ElementError(f"{source}: {element.id} names {element.requirement}, not a {element.device} "
                               "requirement of the catalogue")
    return tuple(found)


def _entries(text: str, source: str) -> list[_Entry]:
    data = load_yaml(text, source, ElementError)
    if not isinstance(data, dict):
        raise ElementError(f"{source}: not a map with the key 'elements'")
    try:
        entries = [_Entry.model_validate(raw) for raw in data.get("elements") or []]
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "entry"
        raise ElementError(f"{source}: {where}: {error['msg']}".replace("\n", " ")) from None
    for entry in entries:
        if (entry.kind == "sw") != (entry.sw is not None):
            raise ElementError(f"{source}: {entry.id}: a status word goes with kind sw, and only with it")
        if entry.sw is not None and int(entry.sw, 16) not in set(SW):
            raise ElementError(f"{source}: {entry.id}: {entry.sw} is not a status word of the profile")
    return entries
