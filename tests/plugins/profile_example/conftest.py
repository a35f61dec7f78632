"""The example profile service, enabled on its own, reading a JSON file."""

import json

import pytest

from ostiary.testing import DEMO, CodeFlow, load_data

STAFF = {
    "alice": {"department": "Research", "title": "Explorer", "name": "Alice Liddell (HR)"},
    "bob": {"department": "Sales", "active": False},
}


@pytest.fixture
def staff_file(tmp_path):
    path = tmp_path / "staff.json"
    path.write_text(json.dumps(STAFF))
    return path


@pytest.fixture
def ostiary_settings(ostiary_settings, staff_file):
    return dict(ostiary_settings, **{"ostiary.plugins": "profile_example", "profile_example.path": str(staff_file)})


@pytest.fixture
def staff_app(app, ostiary_app):
    """The demo data plus bob, and the demo client allowed the ``department`` scope."""
    client = dict(DEMO["clients"][0], scopes=DEMO["clients"][0]["scopes"] + ["department"])
    bob = {"username": "bob", "password": "bob-password", "email": "bob@example.org", "claims": {}}
    load_data(ostiary_app, {"clients": [client], "users": [bob]})
    return app


@pytest.fixture
def staff_flow(staff_app):
    return CodeFlow(staff_app)
