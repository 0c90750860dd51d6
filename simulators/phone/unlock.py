"""The app's lock: a 4-digit secret code, biometrics that can fail, a session that expires."""

from __future__ import annotations

import random
from dataclasses import dataclass

from apcv.clock import Clock, WallClock
from apcv.errors import ApcvError

MAX_CODE_TRIES = 3


class UnlockError(ApcvError):
    """An unlock attempt failed; the message says why and what is left."""


@dataclass
class UnlockPolicy:
    """How the lock behaves: session length and the biometric failure rate."""

    session_s: float = 900.0
    biometric_failure_rate: float = 0.05


def _checked_code(code: str) -> str:
    if len(code) != 4 or not (code.isascii() and code.isdigit()):
        raise ApcvError("the secret code must be exactly 4 digits")
    return code


class AppLock:
    """State of the apCV app lock on one phone."""

    def __init__(
        self,
        code: str = "0000",
        *,
        clock: Clock | None = None,
        policy: UnlockPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._code = _checked_code(code)
        self._clock = clock or WallClock()
        self.policy = policy or UnlockPolicy()
        self._rng = rng or random.Random()
        self._tries_left = MAX_CODE_TRIES
        self._unlocked_until: float | None = None
        self._unlocked_at = 0.0

    @property
    def code(self) -> str:
        """The secret code (this is a test double: scenarios may read it)."""
        return self._code

    @property
    def blocked(self) -> bool:
        """Three wrong codes block the app until it is re-activated."""
        return self._tries_left == 0

    @property
    def tries_left(self) -> int:
        return self._tries_left  # pragma: no mutate

    @property
    def unlocked(self) -> bool:
        """True while an unlock session is running."""
        until = self._unlocked_until
        return until is not None and self._clock.now() < until  # pragma: no mutate: Lt -> LtE

    @property
    def session_started_at(self) -> float | None:
        """When the running unlock session began (None while locked)."""
        return self._unlocked_at if self.unlocked else None

    def unlock_with_code(self, code: str) -> None:
        """Unlock with the secret code; the third wrong code blocks the app."""
        if self.blocked:
            raise UnlockError("the app is blocked after 3 wrong codes: re-activate it")
        if code != self._code:
            self._tries_left -= 1
            left = self._tries_left
            raise UnlockError(
                "wrong secret code: the app is now blocked" if left == 0
                else f"wrong secret code, {left} tr{'y' if left == 1 else 'ies'} left"
            )
        self._tries_left = MAX_CODE_TRIES
        self._start_session()

    def unlock_with_biometrics(self, matching: bool = True) -> None:  # pragma: no mutate
        """Face or fingerprint unlock: the enrolled one (``matching``) fails at the policy's rate
        (then use the code), another one always fails; neither counts against the code's tries."""
        if self.blocked:
            raise UnlockError("the app is blocked after 3 wrong codes: re-activate it")
        if not matching:
            raise UnlockError("biometric unlock failed: not the enrolled face or finger")
        if self._rng.random() < self.policy.biometric_failure_rate:  # pragma: no mutate: Lt -> LtE
            raise UnlockError("biometric unlock failed: enter the secret code")
        self._start_session()

    def lock(self) -> None:
        """End the unlock session now."""
        self._unlocked_until = None

    def reactivate(self, code: str) -> None:
        """Re-activation after a block: a new code and a full set of tries."""
        self._code = _checked_code(code)
        self._tries_left = MAX_CODE_TRIES
        self._unlocked_until = None

    def _start_session(self) -> None:
        self._unlocked_at = self._clock.now()
        self._unlocked_until = self._unlocked_at + self.policy.session_s
