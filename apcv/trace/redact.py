"""NIR masking in traces, including NIRs split across response APDUs.

Each payload is masked on its own (:func:`apcv.redact.redact_nirs`), but a reader with a small
``Le`` receives a file or a presentation in pieces (READ BINARY at successive offsets, 61XX
and GET RESPONSE), and a NIR can straddle two pieces, neither holding a whole one.
:class:`ResponseStream` follows the response data of one session as the card sent it, joined
end to end, finds NIRs in the joined data and says which bytes of which earlier response
to mask as well.
"""

from __future__ import annotations

from apcv.redact import KEPT, NIR_SHAPE_BYTES, is_nir, may_hold_nir, nir_key, redact_nirs

__all__ = ["ResponseStream", "is_nir", "nir_key", "redact_nirs"]

NIR_LENGTH = 15
_CONTEXT = NIR_LENGTH  # bytes kept from earlier responses: a NIR's first 14 plus the byte before it


class ResponseStream:
    """The response data of one session, to mask NIRs whatever the ``Le`` cut them into.

    Feed each response's data (status word excluded): :meth:`feed` returns the masked data and
    the byte positions to mask in earlier responses of the session, as ``{n: [positions]}``
    where ``n`` counts the responses fed since the last :meth:`reset` (0 for the first).
    """

    def __init__(self) -> None:
        self._pieces: list[tuple[int, bytes]] = []  # the last responses fed: enough to hold the tail
        self._tail_bytes = b""  # the last _CONTEXT bytes of the stream
        self._fed = 0

    def reset(self) -> None:
        """A new session: nothing before this point joins what comes next."""
        self._pieces = []
        self._tail_bytes = b""
        self._fed = 0

    def feed(self, data: bytes) -> tuple[bytes, dict[int, list[int]]]:
        """Mask ``data`` (and report what to mask before it) as the continuation of the stream."""
        ident, self._fed = self._fed, self._fed + 1
        tail = self._tail_bytes
        joined = tail + data
        start = len(tail)
        out: bytearray | None = None  # a copy only when something in ``data`` is masked
        earlier: dict[int, list[int]] = {}
        for match in NIR_SHAPE_BYTES.finditer(joined) if may_hold_nir(joined) else ():
            if match.end() <= start or not is_nir(match.group().decode("ascii")):
                continue  # wholly in earlier data: masked when it was fed
            for at in range(match.start() + KEPT, match.end()):
                if at >= start:
                    if out is None:
                        out = bytearray(data)
                    out[at - start] = ord("*")
                else:
                    ident_before, position = self._in_tail(at)
                    earlier.setdefault(ident_before, []).append(position)
        if len(data) >= _CONTEXT:  # the usual response: it holds the whole tail alone
            self._pieces = [(ident, data)]
        else:
            self._pieces.append((ident, data))
            while sum(len(piece) for _, piece in self._pieces[1:]) >= _CONTEXT:
                del self._pieces[0]
        self._tail_bytes = joined[-_CONTEXT:]
        return (data if out is None else bytes(out)), earlier

    def _in_tail(self, at: int) -> tuple[int, int]:
        """The response (number) and position in it of byte ``at`` of the tail."""
        back = len(self._tail_bytes) - at  # counted from the end of the stream, 1 = the last byte
        for ident, piece in reversed(self._pieces):
            if back <= len(piece):
                return ident, len(piece) - back
            back -= len(piece)
        raise AssertionError("the tail is always within the pieces kept")
