"""The standard-library HTTP transport of short-lived backend clients (the billing program):
requests and answers as httpx's own transport gives them, one kept-alive connection, a
connection the server closed while idle replaced, and every failure an httpx transport error
(which the backend client turns into a BackendLinkError)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest

from simulators.backend.client import BackendLinkError, open_backend
from simulators.backend.plain_http import PlainHttpTransport


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: ClassVar[list[int]] = []

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        port = self.client_address[1]
        if port not in self.connections:
            self.connections.append(port)
        data = json.dumps({"method": self.command, "path": self.path, "body": body.decode(),
                           "signature": self.headers.get("x-signature"),
                           "host": self.headers.get("host")}).encode()
        self.send_response(418 if self.path.startswith("/teapot") else 200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    _Echo.connections = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _raw_server(serve: Callable[[socket.socket], None]) -> tuple[str, socket.socket]:
    """A loopback listener whose every accepted connection ``serve`` handles (in a thread)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def loop() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", listener


def _read_request(connection: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(4096)


def test_requests_and_answers_go_through_unchanged_on_one_connection(echo):
    with httpx.Client(base_url=echo, transport=PlainHttpTransport(5.0), trust_env=False) as client:
        posted = client.post("/v1/claims?x=1", content=b'{"a": 1}', headers={"x-signature": "sig"})
        got = client.get("/teapot")
    assert posted.status_code == 200 and posted.headers["content-type"] == "application/json"
    assert posted.json() == {"method": "POST", "path": "/v1/claims?x=1", "body": '{"a": 1}',
                             "signature": "sig", "host": echo.removeprefix("http://")}
    assert got.status_code == 418 and got.json()["method"] == "GET"
    assert len(_Echo.connections) == 1, "the connection was not kept"


def test_a_connection_the_server_closed_while_idle_is_replaced():
    def answer_once_then_close(connection: socket.socket) -> None:
        with connection:
            _read_request(connection)
            connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            # no "connection: close": the client keeps the connection, which is closed now

    url, listener = _raw_server(answer_once_then_close)
    with listener, httpx.Client(base_url=url, transport=PlainHttpTransport(5.0), trust_env=False) as client:
        first = client.get("/a")
        threading.Event().wait(0.2)  # the server's close reaches the client
        assert [first.text, client.get("/b").text] == ["ok", "ok"]


@pytest.mark.parametrize(("behaviour", "error"), [
    ("close", (httpx.RemoteProtocolError, httpx.ReadError)),  # a FIN, or a reset: never ConnectError
    ("silent", httpx.ReadTimeout),
    ("garbage", httpx.RemoteProtocolError),
])
def test_failures_are_httpx_transport_errors(behaviour, error):
    def serve(connection: socket.socket) -> None:
        with connection:
            _read_request(connection)
            if behaviour == "silent":
                threading.Event().wait(2)
            elif behaviour == "garbage":
                connection.sendall(b"not http at all\r\n\r\n")

    url, listener = _raw_server(serve)
    with listener, httpx.Client(base_url=url, transport=PlainHttpTransport(0.5), trust_env=False) as client, \
            pytest.raises(error):
        client.post("/v1/claims", content=b"{}")


def test_the_backend_client_says_an_unreachable_backend_is_unreachable():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    backend = open_backend(f"http://127.0.0.1:{port}", plain_http=True, timeout=2.0)
    try:
        assert isinstance(backend.http._transport, PlainHttpTransport)
        with pytest.raises(BackendLinkError, match="unreachable"):
            backend.call("GET", "/v1/health")
    finally:
        backend.close()


def test_https_keeps_httpx_own_transport():
    backend = open_backend("https://backend.example", plain_http=True)
    try:
        assert not isinstance(backend.http._transport, PlainHttpTransport)
    finally:
        backend.close()
