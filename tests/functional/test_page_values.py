"""The gallery's samples and the views hand each core template the same
values: both are built by the page's own ``values`` function. Recorded as
the templates are rendered, through real requests."""

import pathlib
import re

import pytest
from pyramid.events import BeforeRender

from ostiary.hookspecs import hookimpl
from ostiary.testing import form_value

CORE = "ostiary_theme_default:templates/"
TEMPLATES = {
    "login.pt",
    "consent.pt",
    "logout.pt",
    "signed_out.pt",
    "error.pt",
    "grants.pt",
    "home.pt",
    "form_post.pt",
    "account.pt",
}


class RenderRecorder:
    """Which keys each core template was given, while ``into`` names the source."""

    def __init__(self):
        self.keys = {"view": {}, "gallery": {}}
        self.into = "view"

    def record(self, event):
        name = event["renderer_name"]
        if name.startswith(CORE):
            self.keys[self.into].setdefault(name.removeprefix(CORE), set()).update(event.rendering_val)

    @hookimpl
    def ostiary_configure(self, config):
        config.add_subscriber(self.record, BeforeRender)


@pytest.fixture
def recorder():
    return RenderRecorder()


@pytest.fixture
def ostiary_plugins(ostiary_plugins, recorder):
    return [*ostiary_plugins, ("render-recorder", recorder)]


@pytest.fixture
def ostiary_settings(ostiary_settings):
    ostiary_settings["ostiary.development"] = "true"
    return ostiary_settings


def _every_view(app, flow):
    app.get("/")
    app.get("/account/login")
    app.get("/error", params={"errorId": "unknown"}, status=404)
    flow.code()  # the login and consent pages, with a client
    assert flow.authorize(response_mode="form_post").status_int == 200  # consent remembered: straight back
    app.get("/")
    app.get("/account/applications")
    app.get("/account")
    confirm = app.get("/account/logout")
    app.post("/account/logout", {"csrf_token": form_value(confirm.text, "csrf_token"), "logoutId": ""})


def test_every_core_template_gets_the_same_keys_from_its_view_and_its_gallery_samples(app, flow, recorder):
    _every_view(app, flow)
    recorder.into = "gallery"
    for name in (
        "login",
        "login-for-client",
        "consent",
        "logout",
        "signed-out",
        "error",
        "grants",
        "home-signed-in",
        "home-signed-out",
        "form-post",
        "account",
    ):
        app.get(f"/_gallery/{name}")
    views, samples = recorder.keys["view"], recorder.keys["gallery"]
    assert set(views) == set(samples) == TEMPLATES
    for template in TEMPLATES:
        assert views[template] == samples[template], template


def _documented(template: str) -> set[str]:
    """The names in ``template``'s row of docs/themes.md's table of page values."""
    docs = pathlib.Path(__file__).resolve().parents[2] / "docs" / "themes.md"
    row = next(line for line in docs.read_text().splitlines() if line.startswith(f"| `{template}` |"))
    return set(re.findall(r"`([a-z_]+)`", row.split("|")[3]))


def test_docs_themes_names_every_value_a_core_template_gets(app, recorder):
    recorder.into = "gallery"
    for name in (
        "login",
        "consent",
        "logout",
        "signed-out",
        "error",
        "grants",
        "home-signed-in",
        "form-post",
        "account",
    ):
        app.get(f"/_gallery/{name}")
    for template, keys in recorder.keys["gallery"].items():
        assert keys - {"page_title"} <= _documented(template), template  # page_title: "every page also gets"
