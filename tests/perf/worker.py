"""One Ostiary worker process for ``bench.py``: the app from an ini file,
served by waitress on a listening socket inherited from the parent.

``bench.py`` gives each worker its own socket on one shared port
(SO_REUSEPORT), so the kernel spreads connections over the workers.

    python tests/perf/worker.py CONFIG.ini --fd N [--threads T]
"""

from __future__ import annotations

import argparse
import socket

import waitress
from pyramid.paster import get_app, setup_logging


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--fd", type=int, required=True, help="an inherited listening socket")
    parser.add_argument("--threads", type=int, default=4, help="waitress worker threads")
    args = parser.parse_args(argv)
    setup_logging(args.config)
    app = get_app(args.config)
    sock = socket.socket(fileno=args.fd)
    waitress.serve(app, sockets=[sock], threads=args.threads, ident="ostiary", channel_timeout=60)


if __name__ == "__main__":
    main()
