"""The TOTP plugin enabled."""

import pytest


@pytest.fixture
def ostiary_settings(ostiary_settings):
    ostiary_settings.update({"ostiary.plugins": "totp"})
    return ostiary_settings
