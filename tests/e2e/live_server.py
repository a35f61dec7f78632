"""A real Ostiary served by waitress on a free loopback port, in a thread.

The listening socket is bound first (port 0, so the kernel picks a free
port and no other test can take it in between), then the application is
built with the issuer ``http://127.0.0.1:<port>``: the issuer must be known
before the app exists, and the port only once the socket is bound.
"""

from __future__ import annotations

import logging
import threading

from waitress.server import TcpWSGIServer

from ostiary import main
from ostiary.testing import base_settings, close_app

HOST = "127.0.0.1"


class _LateApp:
    """A WSGI callable whose application is set once the port is known."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


class LiveServer:
    """``with LiveServer(tmp_path) as server:`` serves Ostiary at ``server.url``."""

    def __init__(self, data_dir, threads: int = 4, public_host: str = HOST, **settings):
        self.data_dir = data_dir
        # The issuer's host name: WebAuthn refuses an IP address as its
        # relying-party id, so the passkey tests serve at ``localhost``.
        self.public_host = public_host
        self.threads = threads
        self.extra_settings = settings
        self.app = None
        self.url = None
        self._server = None
        self._thread = None

    def start(self) -> LiveServer:
        late = _LateApp()
        self._server = TcpWSGIServer(late, host=HOST, port=0, threads=self.threads, expose_tracebacks=False)
        port = self._server.effective_port
        self.url = f"http://{self.public_host}:{port}"
        settings = base_settings(self.data_dir)
        settings["ostiary.issuer"] = self.url
        settings.update(self.extra_settings)
        self.app = late.app = main({}, **settings)
        self._thread = threading.Thread(target=self._run, name=f"ostiary-{port}", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        try:
            self._server.asyncore.loop(timeout=0.2, map=self._server._map)
        except OSError:
            if self._server is not None:
                raise

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        # waitress logs the closing of live channels; nothing to see in tests.
        logging.getLogger("waitress").setLevel(logging.ERROR)
        for channel in list(server._map.values()):
            channel.handle_close()
        server.task_dispatcher.shutdown()
        self._thread.join(timeout=5)
        close_app(self.app)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
