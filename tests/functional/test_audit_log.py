"""The audit log: one line per event, whatever a request put into it."""

import io
import logging

import pytest


@pytest.fixture
def audit_lines():
    """What the ``ostiary.audit`` logger writes, as a log file would hold it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    logger = logging.getLogger("ostiary.audit")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: stream.getvalue().splitlines()
    logger.removeHandler(handler)
    logger.setLevel(old_level)


FORGED = "eve\r\nostiary.audit login.succeeded subject=alice client=demo-rp"


def test_a_username_with_cr_lf_writes_one_audit_line(app, flow, audit_lines):
    flow.login(flow.authorize(), username=FORGED, password="wrong")
    lines = [line for line in audit_lines() if "login" in line]
    assert len(lines) == 1
    assert lines[0].startswith("ostiary.audit login.failed ")
    assert '"eve\\r\\nostiary.audit login.succeeded subject=alice client=demo-rp"' in lines[0]


def test_a_username_with_spaces_cannot_forge_a_field(app, flow, audit_lines):
    flow.login(flow.authorize(), username="eve subject=alice", password="wrong")
    (line,) = [line for line in audit_lines() if "login.failed" in line]
    assert " subject=- " in line
    assert 'username="eve subject=alice"' in line


def test_plain_values_stay_readable(app, flow, audit_lines):
    flow.code()
    (line,) = [line for line in audit_lines() if "login.succeeded" in line]
    assert "amr=pwd" in line and "idp=local" in line
