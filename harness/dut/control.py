"""DUT controls: how the harness makes the device under test do a physical act.

A test asks for an action by name (``tap``, ``remove``, ``lock``, ``unlock``, ``show_qr``, and
for the phone's own lock ``enter_code`` with ``code``, ``biometric`` with ``result`` ``match`` or
``mismatch``, ``reactivate`` with ``code``), with its parameters as placeholders;
the rig's control decides who does it, as OpenHTF's user-input plug is swapped for a
command in automation. An act ends done (``perform`` returns None) or refused by the app
(``perform`` returns the app's message, or what the person or command reported), so a plan can
ask for an act the app must refuse (``reactivate`` with a malformed code) and go on to judge the
device; an act that could not be carried out raises :class:`ControlError`:

- :class:`PromptControl`: a person at the terminal is asked and the harness waits for Enter,
  up to the timeout; with nobody there (``--operator skip``, or no terminal) the test is
  skipped with the reason. For an act the app may refuse, typing ``r`` before Enter reports
  that it did.
- :class:`CommandControl`: a command template per action, run with a timeout; exit status 3
  (:data:`REFUSED_EXIT`) reports that the app refused the act (its last output line the app's
  message); any other non-zero exit, a timeout or a missing program fails the action with its
  output.
- :class:`ApiControl`: the control channel of our own simulator process (JSON lines over TCP);
  ``{"ok": true, "refused": "..."}`` reports a refusal.
- :class:`InProcessControl`: callables of a simulator living in the test process; one returning
  a mapping with ``refused`` reports a refusal.
"""

from __future__ import annotations

import json
import shlex
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Protocol, TextIO

from apcv.errors import ApcvError

PROMPTS = {
    "tap": "Hold the phone on the reader (app open, NFC on) and keep it there",
    "remove": "Take the phone off the reader",
    "lock": "Lock the apCV app (leave it, or lock the phone)",
    "unlock": "Unlock the apCV app (secret code or biometrics)",
    "show_qr": "Show the apCV QR code on the phone's screen",
    "enter_code": "On the apCV app's lock screen, type the secret code {code} (it may be wrong on purpose)",
    "biometric": "Try to unlock the apCV app with biometrics: {result} (match: the enrolled finger or face; "
                 "mismatch: another one)",
    "reactivate": "Re-activate the apCV app (blocked after wrong codes), set the secret code {code} and "
                  "lock it",
    "scan_ready": "Start a billing in the billing program and give its window the focus, ready for a scan",
    "bill": "In the billing program, bill act {act} for {amount} cents for {who} ({how}) and wait until it "
            "shows the claim acknowledged or its refusal",
    "read": "On the reader terminal, choose {who} as the patient and read the phone or card on the reader",
}
MAX_REPLY = 64 * 1024
REFUSABLE = ("enter_code", "biometric", "reactivate")
"""The acts the app may refuse (a wrong code, another finger, a malformed new code)."""
REFUSED_EXIT = 3
"""The exit status by which an act's command reports that the app refused the act."""


class ControlError(ApcvError):
    """An action could not be carried out; the message says which and why."""


class OperatorAbsent(ControlError):
    """The action needs a person and nobody is there to do it."""


class DutControl(Protocol):
    """Carries out physical acts on the device under test."""

    def perform(self, action: str, **placeholders: str) -> str | None:
        """Do ``action``; None when it was done, the app's message when the app refused it."""
        ...


class ActUnavailable(OperatorAbsent):
    """The rig's control has no way to do this act (a command control without its command):
    the tests that need it are not judged, with the reason."""


class InProcessControl:
    """Actions of a simulator in this process, as callables by name (placeholders as keywords)."""

    def __init__(self, actions: Mapping[str, Callable[..., object]]) -> None:
        self._actions = dict(actions)

    def perform(self, action: str, **placeholders: str) -> str | None:
        if action not in self._actions:
            raise ActUnavailable(f"the simulated device cannot '{action}' "
                                 f"(it can: {', '.join(sorted(self._actions))})")
        try:
            result = self._actions[action](**placeholders)
        except ApcvError as exc:
            raise ControlError(f"'{action}' failed: {exc}") from None
        return refusal(result)


class CommandControl:
    """Runs the rig's command template for each action (``{name}`` placeholders filled in)."""

    def __init__(self, actions: Mapping[str, str], timeout: float) -> None:
        self._actions = dict(actions)
        self._timeout = timeout

    def perform(self, action: str, **placeholders: str) -> str | None:
        template = self._actions.get(action)
        if template is None:
            raise ActUnavailable(f"the rig's command control has no command for '{action}' "
                                 f"(dut.control.actions.{action})")
        try:
            argv = [part.format(**placeholders) for part in shlex.split(template)]
        except (KeyError, IndexError, ValueError) as exc:
            raise ControlError(f"command for '{action}' ({template!r}) has a bad placeholder: {exc}") \
                from None
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=self._timeout, check=False)
        except FileNotFoundError:
            raise ControlError(f"command for '{action}': program {argv[0]!r} not found") from None
        except subprocess.TimeoutExpired:
            raise ControlError(f"command for '{action}' did not finish within {self._timeout:g} s") from None
        output = (done.stdout or done.stderr).strip()
        if done.returncode == REFUSED_EXIT and action in REFUSABLE:
            return output.splitlines()[-1][:500] if output else "refused (the command said so)"
        if done.returncode != 0:
            output = (done.stderr or done.stdout).strip()[-500:]
            raise ControlError(f"command for '{action}' exited with {done.returncode}: {output}")
        return None


class PromptControl:
    """Asks a person at the terminal and waits for Enter (up to the timeout)."""

    def __init__(self, timeout: float, *, present: bool, stdin: TextIO | None = None,
                 stdout: TextIO | None = None) -> None:
        self._timeout = timeout
        self._present = present
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout

    def perform(self, action: str, **placeholders: str) -> str | None:
        text = PROMPTS.get(action, action).format_map(_Unfilled(placeholders))
        if not self._present:
            raise OperatorAbsent(f"needs a person to: {text.lower()} (run with --operator prompt)")
        refusable = action in REFUSABLE
        enter = "press Enter (type r, then Enter, if the app refused it)" if refusable else "press Enter"
        self._stdout.write(f"\n>>> {text}, then {enter} ({self._timeout:g} s) ")
        self._stdout.flush()
        if not _wait_readable(self._stdin, self._timeout):
            raise ControlError(f"nobody confirmed '{action}' within {self._timeout:g} s")
        answer = self._stdin.readline(MAX_REPLY).strip().lower()
        if refusable and answer in ("r", "refused"):
            return "refused (the person at the bench said so)"
        return None


class _Unfilled(dict):
    """Placeholders of a prompt; one not given stays as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _wait_readable(stream: TextIO, timeout: float) -> bool:
    import select

    try:
        ready, _, _ = select.select([stream], [], [], timeout)
    except (ValueError, OSError, TypeError):  # not a selectable stream (a test's StringIO)
        return True
    return bool(ready)


class ApiControl:
    """The control channel of one of our simulator processes: ``{"action": NAME}`` per line,
    answered ``{"ok": true}`` or ``{"ok": false, "error": "..."}``."""

    def __init__(self, url: str, timeout: float) -> None:
        host, _, port = url.removeprefix("tcp://").rpartition(":")
        if not host or not port.isdigit():
            raise ControlError(f"api control url {url!r} must be tcp://HOST:PORT")
        self._address = (host, int(port))
        self._timeout = timeout
        self.url = url

    def request(self, message: Mapping[str, object]) -> dict[str, object]:
        """Send one message; return the answer (ControlError when the channel fails)."""
        try:
            with socket.create_connection(self._address, timeout=self._timeout) as sock:
                sock.sendall(json.dumps(message).encode() + b"\n")
                reply = sock.makefile("rb").readline(MAX_REPLY)
        except OSError as exc:
            raise ControlError(f"control channel {self.url}: {exc}") from None
        try:
            answer = json.loads(reply)
        except ValueError:
            raise ControlError(f"control channel {self.url} answered {reply[:80]!r}, not JSON") from None
        if not isinstance(answer, dict):
            raise ControlError(f"control channel {self.url} answered {answer!r}, not an object")
        return answer

    def perform(self, action: str, **placeholders: str) -> str | None:
        answer = self.request({"action": action, **placeholders})
        if answer.get("ok") is not True:
            error = answer.get("error", answer)
            raise ControlError(f"control channel {self.url}: '{action}' failed: {error}")
        return refusal(answer)


def refusal(result: object) -> str | None:
    """The app's message when an act's result (a simulator's mapping) says the app refused the
    act, else None; a ``refused`` that is not text is named as such."""
    if not isinstance(result, Mapping) or result.get("refused") in (None, False):
        return None
    refused = result["refused"]
    return refused[:500] if isinstance(refused, str) and refused else f"refused ({refused!r:.80})"
