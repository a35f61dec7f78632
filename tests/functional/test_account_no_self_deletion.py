"""``ostiary.account.self_deletion = false``: no Delete section, and the
page sends the person back to the console."""

import pytest
from account_helpers import sign_in

from ostiary.testing import form_value


@pytest.fixture
def ostiary_settings(ostiary_settings):
    ostiary_settings["ostiary.account.self_deletion"] = "false"
    return ostiary_settings


def test_self_deletion_can_be_turned_off(app):
    sign_in(app)
    assert "/account/delete" not in app.get("/account").text
    assert app.get("/account/delete", status=303).location.endswith("/account")
    page = app.get("/account/profile")
    posted = app.post("/account/delete", {"csrf_token": form_value(page.text, "csrf_token"), "confirm": "yes"})
    assert posted.status_int == 303 and posted.location.endswith("/account")
    assert app.get("/account").status_int == 200  # still signed in: nothing was deleted
