"""Exceptions shared by the simulators and the harness.

Every error a user can provoke with bad input derives from :class:`ApcvError`; the CLI
prints its message on one line instead of a traceback.
"""


class ApcvError(Exception):
    """Base of all errors that carry a message meant for the user."""


class InvalidNir(ApcvError, ValueError):
    """A NIR (numéro d'inscription au répertoire) is malformed; the message says why."""


class ProtocolError(ApcvError):
    """A peer broke the APCV profile: bad status word, bad signature, bad framing."""

    def __init__(self, message: str, status_word: int | None = None) -> None:
        super().__init__(message)
        self.status_word = status_word


class VerificationError(ProtocolError):
    """A presentation failed verification (signature, certificate chain, binding, expiry)."""
