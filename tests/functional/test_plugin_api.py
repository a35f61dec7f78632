"""The public plugin API (``ostiary.plugin``): what docs/plugins.md and
docs/interaction.md promise a plugin author works as written."""

import sys
import textwrap

import pytest
import webtest

import ostiary.plugin
from ostiary.plugin import hookimpl, render_page

TEMPLATE = """<metal:page use-macro="layout">
<metal:main fill-slot="main"><h1>Switch account</h1><p class="client">${client_name}</p></metal:main>
</metal:page>
"""


@pytest.fixture
def plugin_package(tmp_path, monkeypatch):
    """A plugin distribution's package on sys.path, with a template of its own."""
    package = tmp_path / "ostiary_switch_example"
    (package / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "templates" / "switch.pt").write_text(textwrap.dedent(TEMPLATE))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "ostiary_switch_example"
    sys.modules.pop("ostiary_switch_example", None)


class SwitchPage:
    @hookimpl
    def ostiary_configure(self, config):
        config.add_route("switch_example", "/account/switch-example")
        config.add_view(self.view, route_name="switch_example", request_method="GET")

    @staticmethod
    def view(request):
        return render_page(request, "ostiary_switch_example:templates/switch.pt", {"client_name": "Demo RP"})


@pytest.fixture
def ostiary_plugins(plugin_package):
    return [("switch_example", SwitchPage())]


def test_a_plugin_renders_its_own_template_by_asset_specification(ostiary_app):
    page = webtest.TestApp(ostiary_app).get("/account/switch-example")
    assert "<h1>Switch account</h1>" in page.text and "Demo RP" in page.text
    assert 'rel="stylesheet"' in page.text  # inside the theme's layout


def test_the_public_module_names_everything_it_exports():
    for name in ostiary.plugin.__all__:
        assert getattr(ostiary.plugin, name) is not None
    assert {"hookimpl", "Plugins", "Caller", "declare", "emit", "render_page", "translate"} <= set(
        ostiary.plugin.__all__
    )


def test_the_fresh_sign_in_guard_is_public_with_a_callers_own_limit():
    """Both consoles (the account console and the admin console plugin)
    guard sensitive actions with the one function of the public API."""
    import inspect

    assert {"require_fresh_sign_in", "require_signed_in", "sign_in_first"} <= set(ostiary.plugin.__all__)
    parameter = inspect.signature(ostiary.plugin.require_fresh_sign_in).parameters["max_age"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.default is None
