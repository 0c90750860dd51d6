"""One line for what pydantic found wrong in a user's file: the key, then the problem.

``roles.reader.link: unknown key``: the dotted path of the first bad key (``(top level)`` when
the whole document is wrong) and pydantic's message, or ``unknown key`` for one the model
does not have.
"""

from __future__ import annotations

from collections.abc import Collection

from pydantic import ValidationError


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
