"""An httpx transport for plain ``http://`` over the standard library's :mod:`http.client`.

httpx's default transport imports httpcore, which imports every async library it finds
installed (trio, anyio), and builds a TLS context with the CA bundle even for plain HTTP: about
0.2 s of CPU at start-up, most of what a short-lived program (the reference billing program,
started once per billing) spends talking to the backend. This transport keeps one HTTP/1.1
connection (reused while the server keeps it open) and maps the standard library's errors to
httpx's, so callers see the same exceptions as with the default transport.
"""

from __future__ import annotations

import http.client
import select
import socket

import httpx


class PlainHttpTransport(httpx.BaseTransport):
    """Requests to one ``http://host:port`` over one kept-alive connection; ``timeout`` seconds
    for connecting and for each read or write."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None
        self._origin: tuple[str, int] | None = None

    def _connect(self, origin: tuple[str, int]) -> http.client.HTTPConnection:
        """The kept connection when it is to ``origin`` and still usable, else a new one."""
        if self._connection is not None and (self._origin != origin or self._stale(self._connection)):
            self.close()
        if self._connection is None:
            self._connection = http.client.HTTPConnection(origin[0], origin[1], timeout=self.timeout)
            self._origin = origin
        return self._connection

    @staticmethod
    def _stale(connection: http.client.HTTPConnection) -> bool:
        """An idle connection the server closed (or sent something on unasked) is not reused."""
        sock = connection.sock
        if sock is None:
            return False
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and read the whole answer; httpx's transport errors when it fails."""
        url = request.url
        if url.scheme != "http" or not url.host:
            raise httpx.UnsupportedProtocol(f"{url} is not a plain http:// URL")
        connection = self._connect((url.host, url.port or 80))
        if connection.sock is None:
            try:
                connection.connect()
            except BaseException as exc:
                self.close()
                raise _httpx_error(exc, request, connected=False) from exc
        try:
            # httpx has set every header (host, content-length) already: sent as they are
            connection.putrequest(request.method, url.raw_path.decode("ascii"), skip_host=True,
                                  skip_accept_encoding=True)
            for name, value in request.headers.multi_items():
                connection.putheader(name, value)
            connection.endheaders(request.read() or None)
            answer = connection.getresponse()
            content = answer.read()
        except BaseException as exc:  # connected: http.client drops the socket when a read fails
            self.close()
            raise _httpx_error(exc, request, connected=True) from exc
        if answer.will_close:
            self.close()
        return httpx.Response(answer.status, headers=answer.getheaders(), content=content, request=request)

    def close(self) -> None:
        """Close the kept connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _httpx_error(exc: BaseException, request: httpx.Request, *, connected: bool) -> BaseException:
    """The httpx exception a failure of :mod:`http.client` stands for (others unchanged)."""
    if isinstance(exc, (TimeoutError, socket.timeout)):
        kind: type[httpx.TransportError] = httpx.ReadTimeout if connected else httpx.ConnectTimeout
    elif isinstance(exc, http.client.HTTPException):  # an answer cut short or not HTTP
        kind = httpx.RemoteProtocolError
    elif isinstance(exc, OSError):
        kind = httpx.ReadError if connected else httpx.ConnectError
    else:
        return exc
    return kind(f"{type(exc).__name__}: {exc}", request=request)
