"""The control channel of a simulator process: the server side of :class:`ApiControl`.

One JSON object per line, ``{"action": "lock"}``, answered ``{"ok": true}`` or
``{"ok": false, "error": "..."}``; ``{"action": "status"}`` answers the device's state.
Other keys of the request are the action's parameters (``{"action": "tap", "device": "card"}``),
checked against what the action takes; an action returning a mapping adds it to the answer.
Lines longer than 64 KiB, or not JSON objects, are answered with an error.
"""

from __future__ import annotations

import inspect
import json
import socketserver
import threading
from collections.abc import Callable, Mapping

from apcv.errors import ApcvError
from harness.dut.control import MAX_REPLY

Action = Callable[..., object]


class ControlServer:
    """Serves ``actions`` on ``tcp://host:port`` from a background thread until closed."""

    def __init__(self, url: str, actions: Mapping[str, Action], status: Callable[[], dict]) -> None:
        host, _, port = url.removeprefix("tcp://").rpartition(":")
        if not host or not port.isdigit():
            raise ApcvError(f"control url {url!r} must be tcp://HOST:PORT")
        handler = _handler(dict(actions), status)
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        try:
            self._server = socketserver.ThreadingTCPServer((host, int(port)), handler)
        except OSError as exc:
            raise ApcvError(f"control channel {url}: cannot listen: {exc.strerror or exc}") from None
        self._server.daemon_threads = True
        self.url = f"tcp://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="control", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


def _answer(line: bytes, actions: dict[str, Action], status: Callable[[], dict]) -> dict:
    if not line.endswith(b"\n"):
        return {"ok": False, "error": f"a request is one line of at most {MAX_REPLY} bytes"}
    try:
        request = json.loads(line)
    except ValueError:
        return {"ok": False, "error": "a request is a JSON object"}
    action = request.get("action") if isinstance(request, dict) else None
    if action == "status":
        return {"ok": True, **status()}
    if action not in actions:
        return {"ok": False, "error": f"unknown action {action!r}; actions: {', '.join(sorted(actions))}"}
    params = {key: value for key, value in request.items() if key != "action"}
    try:
        inspect.signature(actions[action]).bind(**params)
    except TypeError as exc:
        return {"ok": False, "error": f"action {action!r}: {exc}"}
    try:
        result = actions[action](**params)
    except ApcvError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, **(result if isinstance(result, dict) else {})}


def _handler(actions: dict[str, Action], status: Callable[[], dict]) -> type:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            while True:
                line = self.rfile.readline(MAX_REPLY)
                if not line:
                    return
                self.wfile.write(json.dumps(_answer(line, actions, status)).encode() + b"\n")
                if not line.endswith(b"\n"):
                    return

    return Handler
