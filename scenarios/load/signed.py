"""Request signatures of the load users, made by the backend's own signing helper.

Every user request goes through :func:`signature_headers`, which calls
:func:`simulators.backend.signing.sign_request`: the scheme (APCV-SIG-1) lives in one place,
so a change to it reaches the load users too. Signing happens at send time (a timestamp the
service accepts), which costs ~20 us; presentations and keys are made before the run.
"""

from __future__ import annotations

import time

from simulators.backend.client import Signer
from simulators.backend.signing import sign_request


def signature_headers(signer: Signer, method: str, target: str, body: bytes) -> dict[str, str]:
    """The signature headers of one request sent now by ``signer``."""
    return sign_request(signer.key, signer.key_id, method, target, body, int(time.time()))
