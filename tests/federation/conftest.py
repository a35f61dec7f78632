"""Fixtures of the external-login tests (the helpers are in ``federation_harness``).

The upstream is a second Ostiary, served by waitress on its own port with
its own FileStorage (``tests/e2e/live_server.py``); the downstream, the app
under test, is built per test with the providers the test asks for.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from federation_harness import UPSTREAM_DATA, Browser, provider_settings

from ostiary import main
from ostiary.testing import DEMO, base_settings, close_app, load_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from live_server import LiveServer  # noqa: E402


@pytest.fixture(scope="session")
def upstream(tmp_path_factory):
    """A live upstream Ostiary with the downstream registered as a client."""
    with LiveServer(tmp_path_factory.mktemp("upstream")) as live:
        load_data(live.app, UPSTREAM_DATA)
        yield live


@pytest.fixture
def make_downstream(tmp_path, upstream):
    """Build the downstream app with extra settings; the demo data loaded
    (client ``demo-rp``, local user ``alice``)."""
    apps = []

    def build(providers="upstream", data=DEMO, **settings):
        merged = base_settings(tmp_path / f"down{len(apps)}")
        (tmp_path / f"down{len(apps)}").mkdir()
        merged["ostiary.providers"] = providers
        if "upstream" in providers.split() and not any(k.startswith("ostiary.provider.upstream.") for k in settings):
            settings.update(provider_settings(upstream.url))
        merged.update(settings)
        app = main({}, **merged)
        apps.append(app)
        load_data(app, data)
        return app

    yield build
    for app in apps:
        close_app(app)


@pytest.fixture
def downstream(make_downstream):
    """The downstream with the live upstream as provider ``upstream`` (defaults)."""
    return make_downstream()


@pytest.fixture
def browser(downstream, upstream):
    return Browser(downstream, upstream.url)
