"""Running the web system with uvicorn: one process, or several sharing one listening socket."""

from __future__ import annotations

import os
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

from jixiao.store import db as store_db


class TcpConfig(uvicorn.Config):
    """uvicorn's config, but the shared listening socket of several workers says it is TCP.

    uvicorn creates that socket with protocol 0, so asyncio never sets TCP_NODELAY on the
    connections and every keep-alive response waits ~40 ms for a delayed ACK (uvicorn issue 3149).
    """

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto != socket.IPPROTO_TCP:
            return socket.socket(sock.family, socket.SOCK_STREAM, socket.IPPROTO_TCP, sock.detach())
        return sock


def serve(host: str, port: int, workers: int = 1, database_url: str | None = None) -> None:
    """Serve until interrupted; ``workers`` processes (each builds its app from the environment)."""
    from jixiao.web import create_app

    if workers == 1:
        uvicorn.run(create_app(database_url), host=host, port=port, log_level="info")
        return
    if database_url:
        os.environ[store_db.ENV] = database_url
    config = TcpConfig("jixiao.web:create_app", factory=True, workers=workers, host=host, port=port,
                       log_level="info")
    Multiprocess(config, sockets=[config.bind_socket()]).run()
