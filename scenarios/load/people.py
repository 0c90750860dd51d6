"""The synthetic people a load run uses, and where they come from.

- ``seeded``: the target was seeded with ``generate_population(count, seed)`` (an embedded
  target always is; ``backend serve --seed-population N --population-seed S``);
- ``file``: a JSON-lines file of insured records the target knows (``apcv-hil population``);
- ``provision``: synthetic people the load run registers itself through the API
  (``PUT /v1/insured``, signed by the directory's review operator) before the timed phase.

Only adults free of guardianship are used: they may activate the app.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from apcv.nir import mask_nir
from apcv.people import Insured
from scenarios.load.errors import LoadError
from simulators.backend.client import BackendClient, BackendLinkError, BackendRefused, Signer
from simulators.population.generator import generate_population

ADULT_AGE = 18
MAX_LINE_BYTES = 64 * 1024
PROVISION_SEED = 7_001
"""Population seed of the people a run provisions (apart from a seeded target's own)."""


def _age(insured: Insured, today: dt.date) -> int:
    born = insured.identity.birth_date
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def eligible(people: Iterable[Insured], needed: int, today: dt.date, source: str) -> list[Insured]:
    """The first ``needed`` adults free of guardianship among ``people``; an error if too few."""
    chosen = list(islice((p for p in people if not p.under_guardianship and _age(p, today) >= ADULT_AGE),
                         needed))
    if len(chosen) < needed:
        raise LoadError(f"{source} holds only {len(chosen)} adults free of guardianship; this run needs "
                        f"{needed} (wallets, enrolments and delegates for every worker slot): "
                        "use more people")
    return chosen


def seeded_people(count: int, population_seed: int) -> Iterator[Insured]:
    """The people of a target seeded with ``count`` insured of ``population_seed``."""
    return generate_population(count, population_seed)


def file_people(path: str | Path) -> Iterator[Insured]:
    """Insured records of a JSON-lines file, read as needed; :class:`LoadError` naming the line."""
    try:
        stream = Path(path).open("rb")  # noqa: SIM115  (closed by the with below, in the generator)
    except OSError as exc:
        raise LoadError(f"cannot read people file {path}: {exc.strerror}") from None
    with stream:
        number = 0
        while line := stream.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(line) > MAX_LINE_BYTES:
                raise LoadError(f"{path}, line {number}: longer than {MAX_LINE_BYTES // 1024} KiB")
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                yield Insured.from_dict(record)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise LoadError(f"{path}, line {number}: not an insured record "
                                f"({type(exc).__name__}: {str(exc)[:80]})") from None


def provision(client: BackendClient, people: list[Insured], operator: Signer) -> None:
    """Register ``people`` on the target through the API (operator-signed ``PUT /v1/insured``)."""
    for insured in people:
        try:
            client.provision(operator, insured)
        except BackendRefused as exc:
            raise LoadError(f"the target refused to register {mask_nir(insured.identity.nir)} "
                            f"({exc.status} {exc.code}): {explain_refusal(exc, operator.key_id)}") from None
        except BackendLinkError as exc:
            raise LoadError(str(exc)) from None


def explain_refusal(exc: BackendRefused, key_id: str) -> str:
    """What a refusal during set-up most likely means, for the message."""
    if exc.code in ("unknown_key", "bad_signature"):
        return (f"its caller directory holds no {key_id} with this run's key: give the target's own --seed "
                "(--apcv-seed under plain locust)")
    if exc.code == "stale_timestamp":
        return "this machine's clock and the target's differ by more than the signature window"
    return exc.detail
