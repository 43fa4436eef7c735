"""A TCP relay in front of the real PostgreSQL server, which a test can cut: the server as a web app sees
it when it goes away (a restart, a network fault), while the server itself keeps serving other tests."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import psycopg


class SocketProxy:
    def __init__(self, url: str):
        info = psycopg.conninfo.conninfo_to_dict(url)
        host, port = info.get("host") or "localhost", int(info.get("port") or 5432)
        # A host that is a folder means PostgreSQL's Unix socket in it, as the embedded server is reached.
        self.upstream = (socket.AF_UNIX, str(Path(host) / f".s.PGSQL.{port}")) if host.startswith("/") else (
            socket.AF_INET, (host, port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = psycopg.conninfo.make_conninfo(url, host="127.0.0.1", port=self.listener.getsockname()[1])
        self.sockets: list[socket.socket] = []
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.socket(self.upstream[0], socket.SOCK_STREAM)
            server.connect(self.upstream[1])
            self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                end.close()

    def stop(self) -> None:
        """Cut every connection and refuse new ones: the port no longer answers."""
        self.stopped.set()
        try:  # wakes the thread waiting in accept(), which close() alone leaves listening
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for end in self.sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    def __enter__(self) -> "SocketProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
