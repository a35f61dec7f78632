"""A plugin's data lives with Ostiary's: its evolve steps run once each, in
order, when the application opens the database (``ostiary_evolve_steps``),
and its expired items go with core's pruning (``ostiary_housekeeping``)."""

from __future__ import annotations

import pytest
from persistent.mapping import PersistentMapping

import ostiary
from ostiary.models.database import database
from ostiary.models.root import prune_apart
from ostiary.models.sessions import SSOSession
from ostiary.models.util import now
from ostiary.plugin import hookimpl
from ostiary.plugins import housekeeping
from ostiary.settings import SettingsError
from ostiary.testing import base_settings, close_app, transaction_root

KEY = "lifecycle_example"


def _create(mapping):
    """create the container"""
    mapping[KEY] = PersistentMapping(expiries=PersistentMapping(), steps=["create"])


def _rename(mapping):
    """a second step, appended in a later release"""
    mapping[KEY]["steps"].append("rename")


class ExpiringNotes:
    """Keeps notes that expire, under a key of its own."""

    def __init__(self, steps=(_create,)):
        self.steps = steps

    @hookimpl
    def ostiary_evolve_steps(self):
        return KEY, self.steps

    @hookimpl
    def ostiary_housekeeping(self, mapping, now):
        expiries = mapping[KEY]["expiries"]
        stale = [name for name, expires_at in expiries.items() if expires_at < now]
        for name in stale:
            del expiries[name]
        return len(stale)


def _start(tmp_path, plugin):
    return ostiary.main({}, **{**base_settings(tmp_path), "ostiary_testing_plugins": [("notes", plugin)]})


def _data(app) -> tuple[dict, int]:
    with transaction_root(app) as root:
        data = root._p_jar.root()[KEY]
        return {"steps": list(data["steps"]), "notes": dict(data["expiries"])}, root.plugin_generations[KEY]


def test_each_evolve_step_runs_once_in_order_and_a_later_one_when_it_appears(tmp_path):
    app = _start(tmp_path, ExpiringNotes())
    try:
        assert _data(app) == ({"steps": ["create"], "notes": {}}, 1)
    finally:
        close_app(app)
    app = _start(tmp_path, ExpiringNotes())  # started again: nothing runs twice
    close_app(app)
    app = _start(tmp_path, ExpiringNotes(steps=(_create, _rename)))
    try:
        assert _data(app) == ({"steps": ["create", "rename"], "notes": {}}, 2)
    finally:
        close_app(app)


def test_two_plugins_may_not_share_an_evolve_name(tmp_path):
    with pytest.raises(SettingsError, match="lifecycle_example"):
        ostiary.main(
            {},
            **{
                **base_settings(tmp_path),
                "ostiary_testing_plugins": [("notes", ExpiringNotes()), ("again", ExpiringNotes())],
            },
        )


def test_housekeeping_prunes_with_core_and_the_counts_are_summed(tmp_path):
    app = _start(tmp_path, ExpiringNotes())
    try:
        with transaction_root(app) as root:
            expiries = root._p_jar.root()[KEY]["expiries"]
            expiries.update({"old": now() - 10, "older": now() - 20, "fresh": now() + 3600})
            root.sessions.start(SSOSession("some-subject", -10))  # one of core's
        assert prune_apart(database(app.registry), housekeeping(app.registry)) == 3
        assert list(_data(app)[0]["notes"]) == ["fresh"]
    finally:
        close_app(app)
