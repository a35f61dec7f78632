"""Recovery codes with the TOTP plugin (codes come with a first factor),
mail into pyramid_mailer's testing outbox."""

import pytest


@pytest.fixture
def ostiary_settings(ostiary_settings):
    ostiary_settings.update({"ostiary.plugins": "totp recovery_codes", "accounts.mailer": "testing"})
    return ostiary_settings
