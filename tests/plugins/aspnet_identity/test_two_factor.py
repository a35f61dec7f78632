"""ASP.NET Core Identity's two factors on a real Identity database (SQLite
file and PostgreSQL, the DDL EF Core's migrations write): the authenticator
key and recovery codes stored where and as ASP.NET stores them, codes
computed here independently (RFC 6238 with hmac, not the plugin's code),
recovery codes redeemed and written back as RedeemCodeAsync does, and
failures counted in AccessFailedCount with ASP.NET's lockout."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import struct
import time

import pytest
from ostiary_aspnet_identity import two_factor
from ostiary_aspnet_identity.config import options
from ostiary_aspnet_identity.store import IdentityStore
from ostiary_aspnet_identity.two_factor import Outcome
from sqlalchemy.orm import Session


def make_store(identity, **overrides):
    return IdentityStore(options(url=identity.url, **overrides), engine=identity.engine)


@pytest.fixture
def store(identity):
    return make_store(identity)


@contextlib.contextmanager
def tx(store):
    with Session(store.engine) as session, session.begin():
        yield session


def new_authenticator_key() -> str:
    """UserManager.GenerateNewAuthenticatorKey: Base32 of 20 random bytes (32 characters, no padding)."""
    return base64.b32encode(os.urandom(20)).decode()


def totp(key: str, when: float, offset_steps: int = 0) -> str:
    """RFC 6238 as Rfc6238AuthenticationService.ComputeTotp: HMAC-SHA1 over the
    big-endian step number, dynamic truncation, modulo 10**6."""
    step = int(when) // 30 + offset_steps
    digest = hmac.new(base64.b32decode(key), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def add_token(identity, user_id, provider, name, value):
    identity.execute(
        'INSERT INTO "AspNetUserTokens" ("UserId", "LoginProvider", "Name", "Value") VALUES (:u, :p, :n, :v)',
        u=user_id,
        p=provider,
        n=name,
        v=value,
    )


def token(identity, user_id, provider, name):
    return identity.execute(
        'SELECT "Value" FROM "AspNetUserTokens" WHERE "UserId" = :u AND "LoginProvider" = :p AND "Name" = :n',
        u=user_id,
        p=provider,
        n=name,
    ).scalar()


@pytest.fixture
def two_factor_user(identity):
    """A user as ASP.NET's EnableAuthenticator page leaves them: TwoFactorEnabled,
    a key and ten recovery codes ("XXXXX-XXXXX", RecoveryCodeGenerator's shape)."""
    user_id = identity.add_user("alice", two_factor_enabled=True)
    key = new_authenticator_key()
    codes = ["8TQ5M-FKW2H", "2GWNJ-7D9XR", "PQ3VY-KHRC4", "M6X2B-TJ8WF", "Y4D7N-3QK9P"]
    add_token(identity, user_id, "[AspNetUserStore]", "AuthenticatorKey", key)
    add_token(identity, user_id, "[AspNetUserStore]", "RecoveryCodes", ";".join(codes))
    return user_id, key, codes


def check_code(store, user_id, code, when=None):
    with tx(store) as db:
        return two_factor.verify_authenticator_code(store, db, store.find(db, user_id), code, when)


def redeem(store, user_id, code):
    with tx(store) as db:
        return two_factor.redeem_recovery_code(store, db, store.find(db, user_id), code)


def test_the_authenticator_key_is_read_from_the_internal_login_provider(identity, store, two_factor_user):
    user_id, key, _ = two_factor_user
    with tx(store) as db:
        assert two_factor.authenticator_key(store, db, user_id) == key
        assert two_factor.recovery_codes(store, db, user_id)[0] == "8TQ5M-FKW2H"


def test_a_current_code_passes(identity, store, two_factor_user):
    user_id, key, _ = two_factor_user
    now = time.time()
    assert check_code(store, user_id, totp(key, now), now) is Outcome.PASSED


@pytest.mark.parametrize("offset", [-2, -1, 1, 2])
def test_codes_within_two_steps_either_way_pass(identity, store, two_factor_user, offset):
    user_id, key, _ = two_factor_user
    now = time.time()
    assert check_code(store, user_id, totp(key, now, offset), now) is Outcome.PASSED


@pytest.mark.parametrize("offset", [-3, 3])
def test_codes_three_steps_away_fail_and_count(identity, store, two_factor_user, offset):
    user_id, key, _ = two_factor_user
    now = time.time()
    assert check_code(store, user_id, totp(key, now, offset), now) is Outcome.FAILED
    assert identity.user(user_id)["AccessFailedCount"] == 1


def test_a_code_is_compared_as_asp_net_compares_it(identity, store, two_factor_user):
    """The ASP.NET pages strip spaces and hyphens; int.TryParse ignores leading zeros."""
    user_id, key, _ = two_factor_user
    now = 1_800_000_000
    code = totp(key, now)
    assert check_code(store, user_id, f"{code[:3]} {code[3:]}", now) is Outcome.PASSED
    code = totp(key, now + 30)
    assert check_code(store, user_id, f"{code[:3]}-{code[3:]}", now + 30) is Outcome.PASSED
    for garbage in ("abcdef", "12345678901234", "1_2", "١٢٣٤٥٦"):  # four: the fifth failure locks
        assert check_code(store, user_id, garbage, now + 60) is Outcome.FAILED


def test_a_code_that_passed_cannot_pass_again(identity, store, two_factor_user):
    user_id, key, _ = two_factor_user
    now = time.time()
    code = totp(key, now)
    assert check_code(store, user_id, code, now) is Outcome.PASSED
    assert check_code(store, user_id, code, now + 5) is Outcome.REPLAYED
    assert check_code(store, user_id, totp(key, now, -1), now) is Outcome.REPLAYED  # an older step neither
    assert identity.user(user_id)["AccessFailedCount"] == 2
    assert token(identity, user_id, "Ostiary", "AuthenticatorTimeStep") == str(int(now) // 30)


def test_wrong_codes_lock_the_account_as_asp_net_does(identity, store, two_factor_user):
    user_id, key, _ = two_factor_user
    now = time.time()
    wrong = f"{(int(totp(key, now)) + 1) % 1_000_000:06d}"
    outcomes = [check_code(store, user_id, wrong, now) for _ in range(5)]
    assert outcomes == [Outcome.FAILED] * 4 + [Outcome.LOCKED_OUT]
    row = identity.user(user_id)
    assert row["AccessFailedCount"] == 0 and row["LockoutEnd"] is not None
    # locked out: even the right code is refused, and nothing more is counted
    assert check_code(store, user_id, totp(key, now), now) is Outcome.LOCKED_OUT


def test_a_passing_code_resets_the_failure_count(identity, store, two_factor_user):
    user_id, key, _ = two_factor_user
    identity.set(user_id, AccessFailedCount=3)
    now = time.time()
    assert check_code(store, user_id, totp(key, now), now) is Outcome.PASSED
    assert identity.user(user_id)["AccessFailedCount"] == 0


def test_a_recovery_code_is_redeemed_and_the_rest_written_back(identity, store, two_factor_user):
    user_id, _, codes = two_factor_user
    stamp = identity.user(user_id)["ConcurrencyStamp"]
    assert redeem(store, user_id, "PQ3VY-KHRC4") is Outcome.PASSED
    assert token(identity, user_id, "[AspNetUserStore]", "RecoveryCodes") == ";".join(
        c for c in codes if c != "PQ3VY-KHRC4"
    )
    assert identity.user(user_id)["ConcurrencyStamp"] != stamp  # as UpdateUserAsync leaves it
    assert redeem(store, user_id, "PQ3VY-KHRC4") is Outcome.FAILED  # single use


def test_the_last_recovery_code_leaves_an_empty_value(identity, store):
    user_id = identity.add_user("bob", two_factor_enabled=True)
    add_token(identity, user_id, "[AspNetUserStore]", "RecoveryCodes", "ONLY1-CODE1")
    assert redeem(store, user_id, "ONLY1 CODE1".replace(" ", "-")) is Outcome.PASSED
    assert token(identity, user_id, "[AspNetUserStore]", "RecoveryCodes") == ""
    assert redeem(store, user_id, "") is Outcome.FAILED


def test_recovery_codes_match_exactly_and_wrong_ones_count(identity, store, two_factor_user):
    user_id, _, codes = two_factor_user
    assert redeem(store, user_id, codes[0].lower()) is Outcome.FAILED
    assert redeem(store, user_id, codes[0][:5]) is Outcome.FAILED
    assert redeem(store, user_id, codes[0].replace("-", "")) is Outcome.FAILED
    assert identity.user(user_id)["AccessFailedCount"] == 3
    assert redeem(store, user_id, f" {codes[0]} ") is Outcome.PASSED  # spaces go, as on ASP.NET's page


def test_a_user_without_a_key_fails_every_code(identity, store):
    user_id = identity.add_user("carol", two_factor_enabled=True)
    assert check_code(store, user_id, "123456") is Outcome.FAILED
