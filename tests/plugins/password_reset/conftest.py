"""Both account plugins enabled, mail into pyramid_mailer's testing outbox."""

import pytest


@pytest.fixture
def ostiary_settings(ostiary_settings):
    ostiary_settings.update({"ostiary.plugins": "registration password_reset", "accounts.mailer": "testing"})
    return ostiary_settings
