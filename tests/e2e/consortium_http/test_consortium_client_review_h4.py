"""The member client's timeout bounds a reply's body (review H4): httpx's timeout is per read, so a consortium (or a
proxy) dripping its reply a byte at a time, each within the timeout, held a decision for as long as it liked."""

from __future__ import annotations

import socket
import threading
import time

from creditloop.adapters.consortium_client import ConsortiumClient
from creditloop.app.consortium import UNAVAILABLE

from .conftest import RING, TODAY, resident_id


def _dripping_server(listener: socket.socket, stop: threading.Event) -> None:
    """Answers every request with a valid reply whose body arrives one byte every 50 ms (about 3 s in all)."""
    body = b'{"status": "granted", "purpose": "credit_application", "on": "2026-06-15"}'.ljust(60)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(body))  # fmt: skip
                for byte in body:
                    if stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(0.05)
            except OSError:
                continue


def test_a_reply_dripping_within_each_read_timeout_is_abandoned_at_the_timeout() -> None:
    stop = threading.Event()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(0.2)
        server = threading.Thread(target=_dripping_server, args=(listener, stop), daemon=True)
        server.start()
        client = ConsortiumClient(f"http://127.0.0.1:{listener.getsockname()[1]}", "ckm_x", RING, timeout_s=0.3)
        started = time.perf_counter()
        signal = client.lookup(resident_id(11), "credit_application", TODAY)
        elapsed = time.perf_counter() - started
        client.close()
        stop.set()
        server.join(timeout=5)
    assert signal.status == UNAVAILABLE
    assert elapsed < 1.0, elapsed  # was about 3 s per request (the consent, then the query)
