"""The loopback proxy that cuts a server off: it forwards bytes unchanged both ways, and once
cut, open connections are reset and new ones refused. Tested against an echo server of
this test's own, so nothing here depends on a datastore."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator

import pytest

from harness.provisioning.cutoff import LoopbackProxy
from harness.provisioning.errors import ProvisioningError

pytestmark = pytest.mark.integration


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture
def echo_port() -> Iterator[int]:
    """A threaded TCP echo server on loopback; its port."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def _exchange(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(payload)
        connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def test_bytes_go_through_unchanged_in_both_directions(echo_port: int) -> None:
    payload = bytes(range(256)) * 2000  # 512 KB, more than one chunk, every byte value
    with LoopbackProxy("127.0.0.1", echo_port) as proxy:
        assert proxy.port != echo_port
        assert _exchange(proxy.port, payload) == payload
        assert _exchange(proxy.port, b"again") == b"again"
        assert proxy.accepted == 2


def test_a_cut_resets_open_connections_and_refuses_new_ones(echo_port: int) -> None:
    with LoopbackProxy("127.0.0.1", echo_port) as proxy:
        port = proxy.port
        connection = socket.create_connection(("127.0.0.1", port), timeout=5)
        connection.sendall(b"ping")
        assert connection.recv(4) == b"ping"
        proxy.cut()
        assert proxy.is_cut
        with pytest.raises(ConnectionResetError):
            connection.recv(16)  # the RST, not an orderly end of stream
        connection.close()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)
    assert _exchange(echo_port, b"the server itself still runs") == b"the server itself still runs"


def test_a_proxy_in_front_of_nothing_says_what_it_expected(echo_port: int) -> None:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        closed_port = spare.getsockname()[1]
    with pytest.raises(ProvisioningError) as raised:
        LoopbackProxy("127.0.0.1", closed_port).start()
    message = str(raised.value)
    assert f"127.0.0.1:{closed_port}" in message
    assert "ConnectionRefusedError" in message
    assert "start the server first" in message
