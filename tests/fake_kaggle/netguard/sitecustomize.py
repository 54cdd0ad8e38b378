"""Put on PYTHONPATH of CLI subprocesses in tests: any connection beyond loopback fails."""

import socket

_real_connect = socket.socket.connect


def _guarded(self, address):  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) and address else ""
    if isinstance(address, tuple) and not str(host).startswith(("127.", "::1", "localhost")):
        raise RuntimeError(f"test subprocess tried to reach the network: {address!r}")
    return _real_connect(self, address)


socket.socket.connect = _guarded  # type: ignore[method-assign]
