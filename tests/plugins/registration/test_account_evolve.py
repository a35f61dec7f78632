"""The account plugins evolve their data with Ostiary (``ostiary_evolve_steps``):
a database from before plugin generations is brought up to date at start-up."""

from __future__ import annotations

import ostiary
from ostiary.models.root import CURRENT_GENERATION
from ostiary.testing import base_settings, close_app, transaction_root

SETTINGS = {"ostiary.plugins": "registration password_reset", "accounts.mailer": "testing"}


def test_a_new_database_starts_with_every_plugin_container(ostiary_app):
    with transaction_root(ostiary_app) as root:
        assert dict(root.plugin_generations) == {"ostiary_registration": 1, "ostiary_password_reset": 1}
        mapping = root._p_jar.root()
        assert "ostiary_registration" in mapping and "ostiary_password_reset" in mapping


def test_an_older_database_is_evolved_when_opened(tmp_path, caplog):
    settings = {**base_settings(tmp_path), **SETTINGS}
    app = ostiary.main({}, **settings)
    try:
        with transaction_root(app) as root:  # make it look like generation 6, with an older plugin's data
            mapping = root._p_jar.root()
            del root.plugin_generations
            root.generation = 6
            mapping["ostiary_registration"].unverified["someone"] = "someone@example.org"
            mapping["ostiary_registration"].pruned_at = 1234  # kept by pruning on submit
            del mapping["ostiary_password_reset"]
    finally:
        close_app(app)
    with caplog.at_level("INFO", logger="ostiary.models.root"):
        app = ostiary.main({}, **settings)
    try:
        with transaction_root(app) as root:
            mapping = root._p_jar.root()
            assert root.generation == CURRENT_GENERATION  # 7 and every generation after it
            assert dict(root.plugin_generations) == {"ostiary_registration": 1, "ostiary_password_reset": 1}
            registration = mapping["ostiary_registration"]
            assert dict(registration.unverified) == {"someone": "someone@example.org"}  # kept
            assert "pruned_at" not in vars(registration)
            assert mapping["ostiary_password_reset"].tokens is not None
    finally:
        close_app(app)
    assert "evolving the database to generation 7" in caplog.text
    assert "evolving the data of plugin ostiary_registration to generation 1" in caplog.text
    assert "evolving the data of plugin ostiary_password_reset to generation 1" in caplog.text
