"""``pcsc://READER`` — the harness as the reader, through pyscard and the OS's pcscd.

READER is a reader name (URL-decoded: ``pcsc://Virtual PCD 00 00``), an index in the
reader list (``pcsc://0``) or a unique part of a name (``pcsc://ACR122``). Query keys:
``timeout`` (seconds to wait for a card on connect, default 5) and ``apdu_timeout``
(seconds an APDU may take, default 10). A removal mid-exchange is reported as an RF drop
(:class:`NoCardPresent`); every wait ends with a clear error instead of a hang: pyscard is
called in the caller's thread and a watchdog (:mod:`apcv.links.pcsc_deadline`) cuts a
call that overruns ``apdu_timeout``. Taps and removals come from pyscard's card monitoring
(:mod:`apcv.links.pcsc_presence`) and reach the trace through :meth:`record_presence`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from smartcard import scard

from apcv.links.base import LinkError, LinkUrl, NoCardPresent, ReaderLink
from apcv.links.pcsc_deadline import CallDeadline, establish_context
from apcv.links.pcsc_presence import PresenceListener, ReaderPresence

CARD_TIMEOUT_S = 5.0
APDU_TIMEOUT_S = 10.0
PARAMS = ("timeout", "apdu_timeout")
START_PCSCD = ("start it: `sudo pcscd` (or `systemctl start pcscd`), or let apcv-hil do it "
               "(`apcv-hil simulate ... --start-pcscd`, the pytest fixtures as root); "
               "install: apt-get install pcscd vsmartcard-vpcd")


def _error_text(hr: int) -> str:
    return f"{scard.SCardGetErrorMessage(hr).strip().rstrip('.')} (0x{hr & 0xFFFFFFFF:08X})"


_IDENTITY_ATTRIBUTES = {
    "vendor": scard.SCARD_ATTR_VENDOR_NAME,
    "firmware": scard.SCARD_ATTR_VENDOR_IFD_VERSION,
    "serial": scard.SCARD_ATTR_VENDOR_IFD_SERIAL_NO,
}


def _attribute_text(key: str, value: bytes) -> str:
    """A PC/SC attribute as text: the firmware version is a 4-byte number (major.minor.build)."""
    if key == "firmware" and len(value) == 4:
        number = int.from_bytes(value, "little")
        return f"{number >> 24}.{(number >> 16) & 0xFF}.{number & 0xFFFF}"
    text = value.rstrip(b"\0").decode("ascii", errors="replace")
    return text if text.isprintable() else value.hex().upper()


class PcscReaderLink(ReaderLink):
    """Reader end of a PC/SC link: one reader, one card connection at a time."""

    def __init__(self, url: LinkUrl) -> None:
        unknown = sorted(set(url.params) - set(PARAMS))
        if unknown:
            raise LinkError(f"{url.raw}: unknown parameter {', '.join(unknown)} (known: {', '.join(PARAMS)})")
        self.url = url.raw
        self.card_timeout = url.seconds("timeout", CARD_TIMEOUT_S)
        self.apdu_timeout = url.seconds("apdu_timeout", APDU_TIMEOUT_S)
        self._context, self._deadline = self._establish()
        try:
            self.reader_name = self._resolve(url.target)
        except LinkError:
            self._deadline.stop()
            scard.SCardReleaseContext(self._context)
            raise
        self.presence = ReaderPresence(self.reader_name, self._status)
        self._card: int | None = None
        self._protocol = 0

    def _establish(self) -> tuple[int, CallDeadline]:
        hr, context, fd = establish_context(scard)
        if hr != scard.SCARD_S_SUCCESS:
            raise LinkError(f"{self.url}: pcscd is not running ({_error_text(hr)}); {START_PCSCD}")
        return context, CallDeadline.for_timeout(fd, self.apdu_timeout)

    def readers(self) -> list[str]:
        """Names of the PC/SC readers present now."""
        hr, names = scard.SCardListReaders(self._context, [])
        if hr == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hr != scard.SCARD_S_SUCCESS:
            raise LinkError(f"{self.url}: cannot list PC/SC readers: {_error_text(hr)}")
        return list(names)

    def _resolve(self, wanted: str) -> str:
        names = self.readers()
        present = ", ".join(repr(n) for n in names) or "none"
        if wanted in names:
            return wanted
        if wanted.isdigit():
            if int(wanted) < len(names):
                return names[int(wanted)]
            raise LinkError(f"{self.url}: no PC/SC reader number {wanted}; readers present: {present}")
        matches = [n for n in names if wanted and wanted.lower() in n.lower()]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise LinkError(f"{self.url}: no PC/SC reader named {wanted!r}; readers present: {present}")
        raise LinkError(f"{self.url}: {wanted!r} matches several readers ({', '.join(matches)}); "
                        "give the whole name or an index")

    def wait_for_card(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for a tap / insertion; True when a card is there."""
        return self.presence.wait(True, timeout)

    def wait_for_removal(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s until the card or phone leaves; True when it has."""
        return self.presence.wait(False, timeout)

    def record_presence(self, listener: PresenceListener) -> None:
        """Call ``listener(present, atr)`` on each tap and removal (pyscard's card monitor)."""
        self.presence.listen(listener)

    def connect(self) -> bytes:
        self.disconnect()
        deadline = time.monotonic() + self.card_timeout
        last = ""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.wait_for_card(remaining):
                raise NoCardPresent(f"no phone or card on reader {self.reader_name!r} within "
                                    f"{self.card_timeout:g} s{f' ({last})' if last else ''}")
            hr, card, protocol = self._bounded("the power-up", scard.SCardConnect, self._context,
                                               self.reader_name, scard.SCARD_SHARE_SHARED,
                                               scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
            if hr == scard.SCARD_S_SUCCESS:
                break
            if hr in (scard.SCARD_E_SHARING_VIOLATION, scard.SCARD_E_NO_SERVICE,
                      scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE):
                raise LinkError(f"{self.url}: cannot connect to the card: {_error_text(hr)}")
            last = _error_text(hr)
            time.sleep(0.01)
        self._card, self._protocol = card, protocol
        hr, _, _, _, atr = scard.SCardStatus(card)
        if hr != scard.SCARD_S_SUCCESS:
            self.disconnect()
            raise NoCardPresent(f"{self.url}: the card left while connecting: {_error_text(hr)}")
        return bytes(atr)

    def identity(self) -> dict[str, str]:
        """The reader's name, and its vendor, firmware version and serial number when the driver
        reports them (PC/SC attributes, read on the open card connection)."""
        found = {"name": self.reader_name}
        if self._card is None:
            return found
        for key, attribute in _IDENTITY_ATTRIBUTES.items():
            hr, value = self._bounded("reading the reader's attributes", scard.SCardGetAttrib,
                                       self._card, attribute)
            if hr == scard.SCARD_S_SUCCESS and value:
                found[key] = _attribute_text(key, bytes(value))
        return found

    def transceive(self, apdu: bytes) -> bytes:
        card = self._card
        if card is None:
            raise NoCardPresent(f"{self.url}: not connected to a card (connect first)")
        hr, response = self._bounded("an APDU", scard.SCardTransmit, card, self._protocol, list(apdu))
        if hr == scard.SCARD_S_SUCCESS and response:
            return bytes(response)
        self._card = None
        if hr == scard.SCARD_S_SUCCESS:  # vpcd's answer to a connection closed mid-APDU
            raise NoCardPresent(f"{self.url}: no answer: the card or phone left the field during the "
                                "exchange (RF drop)")
        if hr in (scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD) or not self._status()[0]:
            raise NoCardPresent(f"{self.url}: the card or phone left the field during the exchange "
                                f"(RF drop): {_error_text(hr)}")
        if hr == scard.SCARD_W_RESET_CARD:
            raise LinkError(f"{self.url}: the card was reset during the session; connect again")
        raise LinkError(f"{self.url}: the exchange failed: {_error_text(hr)}")

    def _bounded(self, what: str, call: Callable[..., Any], *args: Any) -> Any:
        """``call(*args)`` in this thread, cut short after ``apdu_timeout`` (a mute card)."""
        deadline = self._deadline
        deadline.arm(self.apdu_timeout)
        result = call(*args)
        if deadline.disarm():
            self._abandon()
            raise LinkError(f"{self.url}: the card did not answer within {self.apdu_timeout:g} s "
                            f"(mute card, {what}); take it away and present it again")
        return result

    def _status(self) -> tuple[bool, bytes]:
        """Whether pcscd sees a card now, and its ATR (asked directly, not from the monitor)."""
        hr, states = scard.SCardGetStatusChange(self._context, 0,
                                                [(self.reader_name, scard.SCARD_STATE_UNAWARE)])
        if hr != scard.SCARD_S_SUCCESS or not states[0][1] & scard.SCARD_STATE_PRESENT:
            return False, b""
        return True, bytes(states[0][2])

    def _abandon(self) -> None:
        """After a call was cut short the context is unusable: start afresh."""
        self._card = None
        self._deadline.stop()
        scard.SCardReleaseContext(self._context)
        self._context, self._deadline = self._establish()

    def disconnect(self) -> None:
        card, self._card = self._card, None
        if card is not None:
            self._deadline.arm(self.apdu_timeout)
            scard.SCardDisconnect(card, scard.SCARD_UNPOWER_CARD)
            if self._deadline.disarm():
                self._abandon()

    def close(self) -> None:
        self.disconnect()
        self.presence.close()
        self._deadline.stop()
        scard.SCardReleaseContext(self._context)


def open_reader(url: LinkUrl) -> ReaderLink:
    """Registry hook: the reader end."""
    return PcscReaderLink(url)
