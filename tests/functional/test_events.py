"""Audit events go through pluggy: its order, its wrappers, its monitoring,
with one failing plugin isolated from the others."""

import pytest

from ostiary.events import LOGIN_SUCCEEDED, declare, declared, emit
from ostiary.hookspecs import hookimpl


class Recorder:
    def __init__(self, name, log):
        self.name, self.log = name, log

    @hookimpl
    def ostiary_event(self, event):
        self.log.append((self.name, str(event.name)))


class Wrapper:
    def __init__(self, log):
        self.log = log

    @hookimpl(wrapper=True)
    def ostiary_event(self, event):
        self.log.append(("wrapper-before", str(event.name)))
        result = yield
        self.log.append(("wrapper-after", str(event.name)))
        return result


class Broken:
    @hookimpl
    def ostiary_event(self, event):
        raise RuntimeError("auditor down")


class Request:
    def __init__(self, registry):
        self.registry = registry


@pytest.fixture
def log():
    return []


@pytest.fixture
def registry(ostiary_app):
    return ostiary_app.registry


def test_events_run_in_pluggy_order_like_every_other_hook(registry, log):
    pm = registry.ostiary_plugins
    pm.register(Recorder("first", log), name="first")
    pm.register(Recorder("second", log), name="second")
    emit(Request(registry), LOGIN_SUCCEEDED, subject="alice")
    names = [name for name, _ in log]
    assert names.index("second") < names.index("first")  # pluggy calls the later-registered plugin first


def test_a_wrapper_implementation_wraps_each_delivery(registry, log):
    pm = registry.ostiary_plugins
    pm.register(Recorder("auditor", log), name="auditor")
    pm.register(Wrapper(log), name="wrapper")
    emit(Request(registry), LOGIN_SUCCEEDED, subject="alice")
    assert log[log.index(("auditor", "login.succeeded")) - 1] == ("wrapper-before", "login.succeeded")
    assert log[log.index(("auditor", "login.succeeded")) + 1] == ("wrapper-after", "login.succeeded")


def test_hook_call_monitoring_sees_events(registry):
    seen = []
    undo = registry.ostiary_plugins.add_hookcall_monitoring(
        lambda name, impls, kwargs: seen.append(name), lambda outcome, name, impls, kwargs: None
    )
    try:
        emit(Request(registry), LOGIN_SUCCEEDED, subject="alice")
    finally:
        undo()
    assert "ostiary_event" in seen


def test_a_failing_plugin_does_not_stop_the_others(registry, log, caplog):
    pm = registry.ostiary_plugins
    pm.register(Recorder("before", log), name="before")
    pm.register(Broken(), name="broken")
    pm.register(Recorder("after", log), name="after")
    emit(Request(registry), LOGIN_SUCCEEDED, subject="alice")
    assert {name for name, _ in log} == {"before", "after"}
    assert "plugin broken failed on event login.succeeded" in caplog.text


def test_an_undeclared_event_type_is_refused(registry):
    with pytest.raises(ValueError, match="undeclared event type 'login.succeded'"):
        emit(Request(registry), "login.succeded", subject="alice")


def test_event_types_are_declared_with_a_description():
    declare("test.documented", "A test declared this.")
    types = declared()
    assert types["test.documented"].description == "A test declared this."
    assert all(event_type.description for event_type in types.values())
    assert "login.failed" in types and "logout" in types
