"""A freshly started process serves concurrent first requests without a 500.

Chameleon compiles a template when it first renders it, and two request
threads compiling at once is not safe (``SystemError: AST constructor
recursion depth mismatch`` from a new granian worker under load). The app
compiles every template while it is built (``themes.compile_templates``).
Both checks run in a new interpreter: in this one, earlier tests have long
compiled the templates.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent(
    """
    import json, sys, tempfile, pathlib, threading
    from pyramid.renderers import get_renderer
    from webob import Request
    from ostiary import main, themes
    from ostiary.testing import base_settings, load_data, DEMO

    app = main({}, **base_settings(pathlib.Path(tempfile.mkdtemp())))
    registry = app.registry
    specs = list(themes._template_specs(registry))
    uncooked = [s for s in specs if not get_renderer(s, registry=registry).implementation()._cooked]
    load_data(app, DEMO)
    paths = ["/account/login", "/error?errorId=nothing", "/account/logout", "/", "/register", "/password/forgot",
             "/connect/authorize?client_id=demo-rp&response_type=code&scope=openid"
             "&redirect_uri=http://127.0.0.1:9999/cb"] * 3
    statuses, barrier = [], threading.Barrier(len(paths))

    def hit(path):
        barrier.wait()
        statuses.append(Request.blank(path).get_response(app).status_int)

    threads = [threading.Thread(target=hit, args=(p,)) for p in paths]
    [t.start() for t in threads]
    [t.join() for t in threads]
    print(json.dumps({"templates": len(specs), "uncooked": uncooked, "statuses": statuses}))
    """
)


def _probe() -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_template_is_compiled_before_the_first_request_and_concurrent_first_requests_get_no_500():
    result = _probe()
    assert result["templates"] >= 10  # the default theme's pages and macros, and the plugins'
    assert result["uncooked"] == []
    assert result["statuses"] and all(status < 500 for status in result["statuses"]), result["statuses"]
