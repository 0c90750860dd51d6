"""The network between a billing program and the insurer backend, which can lose an answer.

A relay on a loopback port forwards HTTP/1.1 requests to the backend and the answers back,
one exchange at a time per connection (``content-length`` or chunked bodies). Told to lose
the next answer to ``POST /v1/claims``, it forwards that request, waits until the backend has
answered (the claim is stored), then closes the program's connection without a byte of the
answer: the program sees the network fail after the backend acted, the case an idempotent
claim exists for.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from apcv.errors import ApcvError

MAX_HEAD = 64 * 1024
MAX_BODY = 4 * 1024 * 1024
IO_TIMEOUT_S = 30.0


class RelayError(ApcvError):
    """A peer sent something the relay cannot frame (the connection is dropped)."""


class _Stream:
    """Buffered reads of one socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _more(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError
        self.buffer += chunk

    def until(self, marker: bytes, limit: int) -> bytes:
        while marker not in self.buffer:
            if len(self.buffer) > limit:
                raise RelayError(f"no {marker!r} within {limit} bytes")
            self._more()
        head, _, self.buffer = self.buffer.partition(marker)
        return head + marker

    def exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self._more()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    pairs = (line.partition(":") for line in lines if line)
    return {name.strip().lower(): value.strip() for name, _, value in pairs}


def read_message(stream: _Stream) -> tuple[bytes, bytes]:
    """One HTTP/1.1 message: (head with its blank line, whole body as sent)."""
    head = stream.until(b"\r\n\r\n", MAX_HEAD)
    headers = _headers(head)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size_line = stream.until(b"\r\n", 1024)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            body += size_line
            if size == 0:  # then trailer lines, up to an empty one
                while (line := stream.until(b"\r\n", MAX_HEAD)) != b"\r\n":
                    body += line
                return head, body + line
            body += stream.exactly(size + 2)
            if len(body) > MAX_BODY:
                raise RelayError("chunked body too large")
    length = headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_BODY:
        raise RelayError(f"bad content-length {length[:20]!r}")
    return head, stream.exactly(int(length))


class LossyNetwork:
    """The relay: the billing program is told :attr:`url`, the backend stays at ``upstream``."""

    def __init__(self, upstream: tuple[str, int], host: str = "127.0.0.1", port: int = 0) -> None:
        self.upstream = upstream
        try:
            self._server = socket.create_server((host, port))
        except OSError as exc:
            raise RelayError(f"cannot listen on {host}:{port} for the billing program: "
                             f"{exc.strerror or exc}") from None
        self.url = f"http://{host}:{self._server.getsockname()[1]}"
        self._losses: list[tuple[str, str]] = []
        self.lost: list[str] = []
        """Request lines whose answer was lost."""
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, name="lossy-network", daemon=True).start()

    def lose_next_answer(self, method: str, path: str) -> None:
        """Lose the answer to the next ``method path`` request (after the backend has answered it)."""
        with self._lock:
            self._losses.append((method.upper(), path))

    def _take_loss(self, request_line: str) -> bool:
        method, _, rest = request_line.partition(" ")
        path = rest.split(" ", 1)[0].split("?", 1)[0]
        with self._lock:
            if (method, path) in self._losses:
                self._losses.remove((method, path))
                self.lost.append(f"{method} {path}")
                return True
        return False

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), name="lossy-relay", daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        client.settimeout(IO_TIMEOUT_S)
        upstream: socket.socket | None = None
        with self._lock:
            self._open.add(client)
        try:
            from_client = _Stream(client)
            from_upstream: _Stream | None = None
            while True:
                head, body = read_message(from_client)
                if upstream is None:
                    upstream = socket.create_connection(self.upstream, timeout=IO_TIMEOUT_S)
                    from_upstream = _Stream(upstream)
                upstream.sendall(head + body)
                assert from_upstream is not None
                answer_head, answer_body = read_message(from_upstream)
                if self._take_loss(head.split(b"\r\n", 1)[0].decode("latin-1")):
                    return  # the backend answered; the program never hears it
                client.sendall(answer_head + answer_body)
        except (EOFError, OSError, RelayError, ValueError):
            return
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
            with self._lock:
                self._open.discard(client)

    def close(self) -> None:
        """Stop relaying: the listening socket and every open connection close."""
        self._server.close()
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
