"""uvicorn, as `carnet serve` runs it."""

from __future__ import annotations

import socket

import uvicorn


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration, with a listening socket that says it speaks TCP.

    uvicorn binds the socket it shares between workers with `proto` 0; accepted connections inherit
    it, and asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets that say IPPROTO_TCP.
    Every keep-alive response after the first then waited ~40 ms for the client's delayed ACK
    (Kludex/uvicorn#3149; bench/RESULTS.md: `/sante` p50 44 ms with 2 workers, 2 ms with one).
    """

    def bind_socket(self) -> socket.socket:
        listener = super().bind_socket()
        if listener.family not in (socket.AF_INET, socket.AF_INET6):
            return listener
        return socket.socket(listener.family, listener.type, socket.IPPROTO_TCP, fileno=listener.detach())
