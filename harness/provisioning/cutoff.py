"""A loopback TCP proxy in front of a server, which a test can cut off mid-run.

Killing a server a test shares with the rest of its run is not an option, and an endpoint
somebody else runs cannot be killed at all. Cutting it off can: point the backend at the
proxy, then ``cut()``. Every open connection is reset (RST, as when a server process
dies) and new connections are refused, so a client sees exactly what it sees when the
server goes away, whatever the server is::

    with LoopbackProxy("127.0.0.1", server_port) as proxy:
        endpoint = dataclasses.replace(endpoint, port=proxy.port)
        ...                     # requests go through
        proxy.cut()
        ...                     # requests fail as against a dead server

Bytes are forwarded unchanged in both directions (plain TCP: HTTP, the MySQL protocol;
not TLS to a name the client verifies, since the client would see 127.0.0.1).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

from harness.provisioning.errors import ProvisioningError

_CHUNK = 65536


class LoopbackProxy:
    """Forwards ``127.0.0.1:<port>`` to ``(host, port)`` until cut off or closed."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()
        self._open: dict[socket.socket, bool] = {}
        """Open sockets -> whether it is a client's (reset first on a cut)."""
        self._cut = False
        self.accepted = 0
        """Connections accepted so far (each forwarded to a connection of its own)."""

    @property
    def port(self) -> int:
        """The loopback port to connect to instead of the server's."""
        if self._listener is None:
            raise RuntimeError("LoopbackProxy is not started")
        return int(self._listener.getsockname()[1])

    @property
    def is_cut(self) -> bool:
        """Whether ``cut()`` has run."""
        return self._cut

    def start(self) -> Self:
        """Listen on a free loopback port and forward every connection."""
        try:
            probe = socket.create_connection(self.upstream, timeout=5)
        except OSError as error:
            raise ProvisioningError(
                "the server to put a proxy in front of is not reachable",
                expected=f"a TCP server at {self.upstream[0]}:{self.upstream[1]}",
                observed=f"{type(error).__name__}: {error}",
                hint="start the server first, or check its host and port",
            ) from error
        probe.close()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def cut(self) -> None:
        """Refuse new connections and reset every open one, as a dead server would."""
        with self._lock:
            self._cut = True
            listener, self._listener = self._listener, None
            open_now, self._open = self._open, {}
        if listener is not None:
            _close(listener)
        # clients first: a client must see the reset, never a half-close passed on from
        # an upstream connection being reset a moment earlier
        for connection in sorted(open_now, key=lambda c: not open_now[c]):
            _reset(connection)

    def close(self) -> None:
        """Stop forwarding (the same as ``cut``; the proxy cannot be restarted)."""
        self.cut()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed by cut()
            try:
                upstream = socket.create_connection(self.upstream, timeout=10)
                upstream.settimeout(None)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                if self._cut:
                    _reset(client)
                    _reset(upstream)
                    return
                self._open.update({client: True, upstream: False})
                self.accepted += 1
            pair = _Pair(client, upstream, self._forget, lambda: self._cut)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=pair.pipe, args=(source, sink), daemon=True).start()

    def _forget(self, *connections: socket.socket) -> bool:
        """Stop tracking ``connections``; True if they were still open (not cut)."""
        with self._lock:
            still_open = all(c in self._open for c in connections)
            for connection in connections:
                self._open.pop(connection, None)
        return still_open


class _Pair:
    """A client connection and its upstream connection, closed when both directions end."""

    def __init__(
        self,
        client: socket.socket,
        upstream: socket.socket,
        forget: Callable[..., bool],
        is_cut: Callable[[], bool],
    ) -> None:
        self.sockets = (client, upstream)
        self.forget = forget
        self.is_cut = is_cut
        self.lock = threading.Lock()
        self.running = 2

    def pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(_CHUNK):
                sink.sendall(data)
            if not self.is_cut():
                sink.shutdown(socket.SHUT_WR)  # pass the half-close on
        except OSError:  # an end was reset or cut: end the other direction too
            for connection in self.sockets:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        finally:
            with self.lock:
                self.running -= 1
                last = self.running == 0
            if last and self.forget(*self.sockets):
                for connection in self.sockets:
                    _close(connection)


def _reset(connection: socket.socket) -> None:
    """Close with SO_LINGER 0, so the peer gets a RST (what a killed process's socket does)."""
    try:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.shutdown(socket.SHUT_RD)  # wakes a pipe blocked reading it; sends nothing
    except OSError:
        pass
    connection.close()


def _close(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    connection.close()


__all__ = ["LoopbackProxy"]
