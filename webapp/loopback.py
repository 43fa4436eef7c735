"""The web app served by waitress on a loopback port, in a thread: for `callmatch bench web` and the
browser tests (`callmatch serve` runs waitress in the foreground instead)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

THREAD_NAME = "callmatch-loopback"


@contextlib.contextmanager
def serving(app, threads: int = 4) -> Iterator[str]:
    """Serve `app` at the address yielded (http://127.0.0.1:PORT) until the block ends.

    On the way out the last responses finish, then every socket, open client connections included, is
    closed inside the server's own loop, which then ends. Closed from another thread, a socket can
    vanish under the loop's select() (EBADF in the server thread), and kept-alive connections keep
    the loop running.
    """
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name=THREAD_NAME, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.task_dispatcher.shutdown()

        def close_all() -> None:
            for dispatcher in list(server._map.values()):
                dispatcher.close()

        server.trigger.pull_trigger(close_all)
        thread.join(timeout=10)
