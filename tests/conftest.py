"""Shared fixtures: the ``ostiary.testing`` pytest plugin provides the app
fixtures (``ostiary_app``, ``ostiary_testapp``, ``ostiary_demo``, ...)."""

import pytest

from ostiary.testing import CodeFlow


@pytest.fixture
def app(ostiary_testapp, ostiary_demo):
    """A WebTest app with the demo data loaded."""
    return ostiary_testapp


@pytest.fixture
def flow(app):
    """A :class:`CodeFlow` for the demo client."""
    return CodeFlow(app)
