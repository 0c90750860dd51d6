"""Tap and removal events of one PC/SC reader, from pyscard's card monitoring.

pyscard's :class:`~smartcard.CardMonitoring.CardMonitor` runs one thread per process that
waits on pcscd (``SCardGetStatusChange`` on its own context) and tells every registered
:class:`~smartcard.CardMonitoring.CardObserver` which cards were added and removed.
:class:`ReaderPresence` is such an observer for one reader: it keeps whether a phone or
card is there, lets the reader link wait for a tap or a removal with a timeout, and passes
each change on to listeners (the trace).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from smartcard import scard
from smartcard.CardMonitoring import CardMonitor, CardMonitoringThread, CardObserver
from smartcard.Exceptions import SmartcardException

PresenceListener = Callable[[bool, bytes], None]
"""Called with (True, ATR) on a tap / insertion and (False, last ATR) on a removal."""

STOP_TRIES = 20
STOP_WAIT_S = 0.1

log = logging.getLogger(__name__)


def running_monitor() -> CardMonitor:
    """pyscard's card monitor, its thread started again if it ended or was released."""
    monitor = CardMonitor()
    thread = CardMonitoringThread.instance
    if thread is None or not thread.is_alive():
        with CardMonitoringThread.lock:
            CardMonitoringThread.instance = None
        monitor.instance.rmthread = CardMonitoringThread(monitor.instance)
    return monitor


def release_monitor(monitor: CardMonitor) -> None:
    """Stop pyscard's monitoring thread once no observer is left.

    pyscard leaves it running for the whole process; stopped here while pcscd still
    answers, it neither prints tracebacks when pcscd goes away later nor outlives a
    pcscd that a test or benchmark started. Its wait on pcscd is cancelled
    (``SCardCancel``), so it ends at once; a later link starts a new one.
    """
    thread = CardMonitoringThread.instance
    if monitor.countObservers() or thread is None:
        return
    thread.stop()
    for _ in range(STOP_TRIES):
        request = getattr(thread.cardrequest, "pcsccardrequest", None)
        if request is not None and request.hcontext is not None:
            scard.SCardCancel(request.hcontext)
        thread.join(STOP_WAIT_S)
        if not thread.is_alive():
            break
    if not thread.is_alive():
        with contextlib.suppress(SmartcardException):
            thread.cardrequest.pcsccardrequest.release()
    with CardMonitoringThread.lock:
        CardMonitoringThread.instance = None


class ReaderPresence(CardObserver):
    """Whether a phone or card is on ``reader_name``, kept by pyscard's card monitor."""

    def __init__(self, reader_name: str, current: Callable[[], tuple[bool, bytes]]) -> None:
        super().__init__()
        self.reader_name = reader_name
        self.present = False
        self.atr = b""
        self._following = False
        self._changed = threading.Condition()
        self._listeners: list[PresenceListener] = []
        self._monitor = running_monitor()
        # pyscard answers addObserver with its own list of cards, which may lag behind
        # pcscd by an event: start from ``current()`` (pcscd asked directly) instead.
        self._monitor.addObserver(self)
        with self._changed:
            self.present, self.atr = current()
            self._following = True

    def listen(self, listener: PresenceListener) -> None:
        """Call ``listener`` on every later tap and removal (from the monitor's thread)."""
        self._listeners.append(listener)

    def update(self, observable: object, handlers: tuple[list, list]) -> None:
        """pyscard's callback: ``handlers`` is (cards added, cards removed)."""
        added, removed = handlers
        if not self._following:
            return
        try:
            for card in removed:
                if card.reader == self.reader_name:
                    self._set(False, bytes(card.atr))
            for card in added:
                if card.reader == self.reader_name:
                    self._set(True, bytes(card.atr))
        except Exception:  # an exception here would end pyscard's monitoring thread
            log.exception("%s: a card event listener failed", self.reader_name)

    def _set(self, present: bool, atr: bytes) -> None:
        with self._changed:  # listeners first: a woken waiter finds the event traced
            if present == self.present and (not present or atr == self.atr):
                return
            for listener in list(self._listeners):
                listener(present, atr)
            self.present, self.atr = present, atr
            self._changed.notify_all()

    def wait(self, present: bool, timeout: float) -> bool:
        """Wait up to ``timeout`` s until a device is (``present``) or is not there."""
        with self._changed:
            return self._changed.wait_for(lambda: self.present == present, timeout)

    def close(self) -> None:
        """Stop observing (pyscard's thread itself runs on for other observers)."""
        self._monitor.deleteObserver(self)
        self._listeners.clear()
        release_monitor(self._monitor)
