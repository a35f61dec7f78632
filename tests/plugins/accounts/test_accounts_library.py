"""ostiary_accounts, the library both account plugins share: policy, tokens,
rate limits, settings and the choice of mailer."""

import hashlib

import pytest
import webtest
from ostiary_accounts.models import RateLimiter, TokenStore
from ostiary_accounts.policy import PasswordPolicy, common_passwords
from pyramid_mailer.interfaces import IMailer
from pyramid_mailer.mailer import DummyMailer

from ostiary import main
from ostiary.settings import SettingsError
from ostiary.testing import DEMO, load_data


def test_the_shipped_list_holds_thousands_of_common_passwords():
    common = common_passwords()
    assert len(common) > 3000
    assert {"password", "123456", "qwerty", "iloveyou", "1234567890"} <= common
    assert not any(word.startswith("#") for word in common)


@pytest.mark.parametrize("password", ["Password", "DRAGON", "monkey2024", "letmein!!", "1234567890"])
def test_common_passwords_and_decorated_ones_are_refused(password):
    assert "too common" in PasswordPolicy(min_length=6).problem(password)


@pytest.mark.parametrize("password", ["correct horse battery staple", "Tr0ub4dor&3-extra", "dragonfly-meadow"])
def test_uncommon_passwords_pass(password):
    assert PasswordPolicy().problem(password, username="bob", email="bob@example.org") is None


def test_length_counts_characters_not_bytes():
    policy = PasswordPolicy(min_length=10)
    assert policy.problem("ääääääääää") is None
    assert policy.problem("äääääääää") is not None
    assert policy.problem("x" * 1025) is not None


def test_tokens_work_once_and_are_stored_as_digests():
    store = TokenStore()
    token = store.issue("subject-1", 60, return_url="/x")
    assert list(store.tokens) == [hashlib.sha256(token.encode()).hexdigest()]
    assert store.peek(token).data == {"return_url": "/x"}
    assert store.take(token).subject == "subject-1"
    assert store.peek(token) is None and store.take(token) is None


def test_a_new_token_replaces_the_subjects_old_one():
    store = TokenStore()
    old = store.issue("subject-1", 60)
    new = store.issue("subject-1", 60)
    other = store.issue("subject-2", 60)
    assert store.peek(old) is None
    assert store.peek(new) is not None and store.peek(other) is not None


def test_expired_tokens_are_refused_and_pruned():
    store = TokenStore()
    token = store.issue("subject-1", 60)
    record = store.peek(token)
    record.expires_at -= 61
    assert store.peek(token) is None
    assert store.prune(record.expires_at + 1) == 1
    assert len(store.tokens) == 0 and len(store.by_subject) == 0


def test_rate_limits_count_per_key_and_window():
    limits = RateLimiter()
    assert [limits.hit("ip:a", 2, 60, when=1000) for _ in range(3)] == [True, True, False]
    assert limits.hit("ip:b", 2, 60, when=1000)
    assert limits.hit("ip:a", 2, 60, when=1060)  # a new window
    assert limits.prune(when=1120) == 2


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("registration.token_lifetim", "60", "registration.token_lifetim: unknown setting"),
        ("registration.rate_limit", "0", "expected a whole number"),
        ("password_reset.token_lifetime", "soon", "password_reset.token_lifetime"),
        ("accounts.mailer", "pigeon", "expected one of smtp, file, testing"),
        ("accounts.mailer", "file", "needs mail.top_level_directory"),
    ],
)
def test_bad_settings_stop_start_up(ostiary_settings, key, value, message):
    with pytest.raises(SettingsError, match=message):
        main({}, **dict(ostiary_settings, **{key: value}))


def test_the_file_mailer_writes_each_mail_into_a_folder(ostiary_settings, tmp_path):
    folder = tmp_path / "mail"
    app = main({}, **dict(ostiary_settings, **{"accounts.mailer": "file", "mail.top_level_directory": str(folder)}))
    try:
        load_data(app, DEMO)
        browser = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
        page = browser.get("/account/password/forgot")
        browser.post(
            "/account/password/forgot",
            {"csrf_token": page.html.find(attrs={"name": "csrf_token"})["value"], "email": "alice@example.org"},
        )
        assert app.registry.ostiary_mail_delivery.flush(10)  # mail leaves after the request
        [mail] = folder.glob("*.eml")
        text = mail.read_text()
        assert "To: alice@example.org" in text and "/account/password/reset?token=" in text
    finally:
        app.registry._zodb_databases[""].close()


def test_a_mailer_the_application_included_is_used(ostiary_settings):
    settings = {k: v for k, v in ostiary_settings.items() if k != "accounts.mailer"}
    app = main({}, **dict(settings, **{"pyramid.includes": "pyramid_mailer.testing"}))
    try:
        assert isinstance(app.registry.getUtility(IMailer), DummyMailer)
    finally:
        app.registry._zodb_databases[""].close()
