"""One line for what pydantic found wrong in outside data: the key, then the problem.

``roles.reader.link: unknown key``: the dotted path of the first bad key (``(top level)`` when
the whole document is wrong) and pydantic's message, or ``unknown key`` for one the model
does not have. :func:`parse_outcome` reads the one JSON object a device under test prints
(a reader terminal's report, a billing program's result), its model chosen by ``outcome``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError

Outcome = TypeVar("Outcome", bound=BaseModel)


def first_error(exc: ValidationError, tags: Collection[str] = ()) -> str:
    """``where: message`` of the first error in ``exc``. A leading path part in ``tags`` (the
    discriminator tag pydantic puts first in a tagged union) is left out of ``where``."""
    first = exc.errors()[0]
    parts = list(first["loc"])
    if parts and parts[0] in tags:
        parts = parts[1:]
    where = ".".join(str(part) for part in parts) or "(top level)"
    message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
    return f"{where}: {message}"


def parse_outcome(body: str, models: Mapping[str, type[Outcome]], subject: str) -> Outcome:
    """The one JSON object in ``body``, validated by the model its ``outcome`` names.

    ValueError, its message starting with ``subject``, names what breaks the contract: not JSON
    (where), not an object, an unknown outcome, or the first bad field.
    """
    text = body.strip()
    if not text:
        raise ValueError(f"{subject} is empty (expected one JSON object)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{subject} is not one JSON object ({exc.msg} at line {exc.lineno} "
                         f"column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{subject} is a JSON {type(data).__name__}, not an object")
    model = models.get(data.get("outcome"))  # type: ignore[arg-type]
    if model is None:
        named = " or ".join(f'"{name}"' for name in models)
        raise ValueError(f"{subject}: \"outcome\" is {data.get('outcome')!r}, not {named}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"{subject}: field {first_error(exc)}") from None
