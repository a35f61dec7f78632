"""The store on a real ASP.NET Identity database, SQLite file and PostgreSQL:
lookups, sign-in checks with ASP.NET's lockout, claims, and the writes a
registration or password-reset page makes through the user-store hooks."""

import contextlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from ostiary_aspnet_identity.config import options
from ostiary_aspnet_identity.normalize import normalize
from ostiary_aspnet_identity.schema import parse_datetimeoffset
from ostiary_aspnet_identity.store import IdentityStore, SignIn
from sqlalchemy.orm import Session

from .identity_db import V2_SHA1_1000, V3_SHA256_250000, VECTOR_PASSWORD

EF_TEXT = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,7})?\+00:00$")


def make_store(identity, **overrides):
    return IdentityStore(options(url=identity.url, **overrides), engine=identity.engine)


@pytest.fixture
def store(identity):
    return make_store(identity)


@contextlib.contextmanager
def tx(store):
    with Session(store.engine) as session, session.begin():
        yield session


def sign_in(store, login, password=VECTOR_PASSWORD):
    with tx(store) as db:
        return store.check_password_sign_in(db, login, password)


def lockout_end(identity, user_id):
    value = identity.user(user_id)["LockoutEnd"]
    if isinstance(value, str):
        assert EF_TEXT.match(value), value  # what EF Core writes in SQLite
        value = parse_datetimeoffset(value)
    return value


# -- normalization ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "normalized"),
    [
        ("alice@Example.org", "ALICE@EXAMPLE.ORG"),
        ("straße", "STRAßE"),  # .NET's ToUpperInvariant keeps ß; Python's upper() would give STRASSE
        ("e\u0301mile", "ÉMILE"),  # NFC first
        ("ﬁnn", "ﬁNN"),
        ("ᾳ", "ᾼ"),
        ("ı", "I"),
    ],
)
def test_normalization_is_nfc_then_dotnet_upper_invariant(key, normalized):
    assert normalize(key) == normalized


# -- lookups ------------------------------------------------------------------------


def test_finds_a_user_by_normalized_user_name(identity, store):
    user_id = identity.add_user("Alice", email="alice@example.org")
    with tx(store) as db:
        assert store.find_by_name(db, "alice").subject == user_id
        assert store.find_by_name(db, "ALICE").username == "Alice"
        assert store.find_by_name(db, "bob") is None


def test_lookup_matches_what_dotnet_normalized(identity, store):
    user_id = identity.add_user("straße", normalized_username="STRAßE")
    with tx(store) as db:
        assert store.find_by_name(db, "Straße").subject == user_id
        assert store.find_by_name(db, "STRASSE") is None


def test_finds_a_user_by_normalized_email_at_sign_in(identity, store):
    user_id = identity.add_user("alice", email="Alice@Example.org")
    outcome, user = sign_in(store, "alice@example.ORG")
    assert outcome is SignIn.SUCCESS and user.subject == user_id


def test_an_email_shared_by_two_users_finds_neither(identity, store):
    identity.add_user("alice", email="team@example.org")
    identity.add_user("bob", email="team@example.org")
    with tx(store) as db:
        assert store.find_by_email(db, "team@example.org") is None
    assert sign_in(store, "team@example.org")[0] is SignIn.UNKNOWN


def test_sign_in_by_email_can_be_turned_off(identity):
    identity.add_user("alice", email="alice@example.org")
    assert sign_in(make_store(identity, login_with_email="false"), "alice@example.org")[0] is SignIn.UNKNOWN


def test_finds_a_user_by_external_login(identity, store):
    user_id = identity.add_user("alice")
    identity.execute(
        'INSERT INTO "AspNetUserLogins" ("LoginProvider", "ProviderKey", "ProviderDisplayName", "UserId")'
        " VALUES ('Google', '1234', 'Google', :u)",
        u=user_id,
    )
    with tx(store) as db:
        assert store.find_by_external_login(db, "Google", "1234").subject == user_id
        assert store.find_by_external_login(db, "Google", "999") is None


# -- password sign-in ------------------------------------------------------------------


def test_unknown_user_is_unknown(identity, store):
    assert sign_in(store, "nobody") == (SignIn.UNKNOWN, None)


def test_right_password_with_current_hash_changes_nothing(identity, store):
    user_id = identity.add_user("alice")
    before = identity.user(user_id)
    outcome, user = sign_in(store, "alice")
    assert outcome is SignIn.SUCCESS and user.subject == user_id
    assert identity.user(user_id) == before


def test_version_2_hash_is_rehashed_to_version_3_on_success(identity, store):
    user_id = identity.add_user("alice", password_hash=V2_SHA1_1000)
    before = identity.user(user_id)
    assert sign_in(store, "alice")[0] is SignIn.SUCCESS
    after = identity.user(user_id)
    assert after["PasswordHash"].startswith("AQAAAAIAAYag")  # v3, HMAC-SHA512, 100 000 iterations
    # UserManager.UpdatePasswordHash also renews the security stamp.
    assert after["SecurityStamp"] != before["SecurityStamp"]
    assert after["ConcurrencyStamp"] != before["ConcurrencyStamp"]
    assert sign_in(store, "alice")[0] is SignIn.SUCCESS
    assert identity.user(user_id)["PasswordHash"] == after["PasswordHash"]


def test_sha256_hash_is_kept_when_configured_like_aspnet_core_6(identity):
    user_id = identity.add_user("alice", password_hash=V3_SHA256_250000)
    store = make_store(identity, hash_prf="sha256", hash_iterations="10000")
    assert sign_in(store, "alice")[0] is SignIn.SUCCESS
    assert identity.user(user_id)["PasswordHash"] == V3_SHA256_250000


def test_five_failures_lock_the_account_for_five_minutes_and_reset_the_count(identity, store):
    user_id = identity.add_user("alice")
    for count in range(1, 5):
        assert sign_in(store, "alice", "wrong")[0] is SignIn.FAILED
        assert identity.user(user_id)["AccessFailedCount"] == count
    started = datetime.now(UTC)
    assert sign_in(store, "alice", "wrong")[0] is SignIn.LOCKED_OUT
    row = identity.user(user_id)
    assert row["AccessFailedCount"] == 0
    end = lockout_end(identity, user_id)
    five_minutes = timedelta(minutes=5)
    assert started + five_minutes - timedelta(seconds=1) <= end <= datetime.now(UTC) + five_minutes


def test_a_locked_account_refuses_the_right_password_without_counting(identity, store):
    user_id = identity.add_user("alice", lockout_end=datetime.now(UTC) + timedelta(minutes=3))
    assert sign_in(store, "alice")[0] is SignIn.LOCKED_OUT
    assert sign_in(store, "alice", "wrong")[0] is SignIn.LOCKED_OUT
    assert identity.user(user_id)["AccessFailedCount"] == 0


def test_an_expired_lockout_lets_the_user_in(identity, store):
    identity.add_user("alice", lockout_end=datetime.now(UTC) - timedelta(seconds=1))
    assert sign_in(store, "alice")[0] is SignIn.SUCCESS


def test_lockout_end_at_datetimeoffset_max_value_locks_for_good(identity, store):
    user_id = identity.add_user("alice")
    if identity.dialect == "sqlite":
        identity.execute(
            'UPDATE "AspNetUsers" SET "LockoutEnd" = \'9999-12-31 23:59:59.9999999+00:00\' WHERE "Id" = :id', id=user_id
        )
    else:
        identity.set(user_id, LockoutEnd=datetime.max.replace(tzinfo=UTC))
    assert sign_in(store, "alice")[0] is SignIn.LOCKED_OUT


def test_success_resets_the_failure_count(identity, store):
    user_id = identity.add_user("alice")
    sign_in(store, "alice", "wrong")
    sign_in(store, "alice", "wrong")
    assert identity.user(user_id)["AccessFailedCount"] == 2
    assert sign_in(store, "alice")[0] is SignIn.SUCCESS
    assert identity.user(user_id)["AccessFailedCount"] == 0


def test_lockout_disabled_counts_but_never_locks(identity, store):
    user_id = identity.add_user("alice", lockout_enabled=False)
    for _ in range(5):
        assert sign_in(store, "alice", "wrong")[0] is SignIn.FAILED
    assert identity.user(user_id)["AccessFailedCount"] == 0  # reset at the fifth, as AccessFailedAsync does
    assert sign_in(store, "alice")[0] is SignIn.SUCCESS


def test_lockout_settings_are_honoured(identity):
    user_id = identity.add_user("alice")
    store = make_store(identity, max_failed_access_attempts="2", lockout_seconds="60")
    sign_in(store, "alice", "wrong")
    assert sign_in(store, "alice", "wrong")[0] is SignIn.LOCKED_OUT
    assert lockout_end(identity, user_id) <= datetime.now(UTC) + timedelta(seconds=60)


def test_unconfirmed_email_is_not_allowed_when_confirmation_is_required(identity):
    user_id = identity.add_user("alice", email="alice@example.org", email_confirmed=False)
    store = make_store(identity, require_confirmed_email="true")
    assert sign_in(store, "alice")[0] is SignIn.NOT_ALLOWED
    assert sign_in(store, "alice", "wrong")[0] is SignIn.NOT_ALLOWED
    assert identity.user(user_id)["AccessFailedCount"] == 0
    identity.set(user_id, EmailConfirmed=True)
    assert sign_in(store, "alice")[0] is SignIn.SUCCESS


def test_unconfirmed_email_signs_in_by_default(identity, store):
    identity.add_user("alice", email="alice@example.org", email_confirmed=False)
    assert sign_in(store, "alice")[0] is SignIn.SUCCESS


def test_two_factor_users_need_their_second_factor(identity, store):
    user_id = identity.add_user("alice", two_factor_enabled=True, access_failed_count=1)
    assert sign_in(store, "alice")[0] is SignIn.REQUIRES_TWO_FACTOR
    assert identity.user(user_id)["AccessFailedCount"] == 1  # not reset: a second factor follows
    assert sign_in(make_store(identity, allow_two_factor_users="true"), "alice")[0] is SignIn.SUCCESS


def test_a_user_without_password_fails_and_counts(identity, store):
    user_id = identity.add_user("alice", password_hash=None)
    assert sign_in(store, "alice")[0] is SignIn.FAILED
    assert identity.user(user_id)["AccessFailedCount"] == 1


# -- claims ---------------------------------------------------------------------------


def test_claims_come_from_user_claims_roles_and_role_claims(identity, store):
    user_id = identity.add_user("alice", email="alice@example.org", phone_number="+44 20 7946 0000")
    identity.add_user_claim(user_id, "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "Alice")
    identity.add_user_claim(user_id, "family_name", "Liddell")
    identity.add_user_claim(user_id, "name", "Alice Liddell")
    admin, editor = identity.add_role("Admin"), identity.add_role("Editor")
    identity.add_user_to_role(user_id, admin)
    identity.add_user_to_role(user_id, editor)
    identity.add_role_claim(admin, "permission", "users.manage")
    identity.add_role_claim(editor, "permission", "pages.edit")
    identity.add_role_claim(editor, "permission", "users.manage")
    with tx(store) as db:
        claims = store.with_claims(db, store.find(db, user_id)).claims
    assert claims == {
        "given_name": "Alice",
        "family_name": "Liddell",
        "name": "Alice Liddell",
        "role": ["Admin", "Editor"],
        "permission": ["users.manage", "pages.edit"],
        "preferred_username": "alice",
        "email": "alice@example.org",
        "email_verified": True,
        "phone_number": "+44 20 7946 0000",
        "phone_number_verified": False,
    }


def test_one_role_is_a_string_and_the_user_name_is_the_default_name(identity, store):
    user_id = identity.add_user("bob")
    identity.add_user_to_role(user_id, identity.add_role("Reader"))
    with tx(store) as db:
        claims = store.with_claims(db, store.find(db, user_id)).claims
    assert claims == {"role": "Reader", "name": "bob", "preferred_username": "bob"}


# -- writes through the user-store hooks -------------------------------------------------------


def test_create_user_writes_the_row_aspnet_would(identity, store):
    with tx(store) as db:
        user = store.create(
            db,
            "Carol",
            "carol@example.org",
            "Secret-123",
            {"email_verified": True, "given_name": "Carol", "locale": ["en", "de"]},
        )
    row = identity.user(user.subject)
    assert row["NormalizedUserName"] == "CAROL" and row["NormalizedEmail"] == "CAROL@EXAMPLE.ORG"
    assert bool(row["EmailConfirmed"]) and bool(row["LockoutEnabled"]) and row["AccessFailedCount"] == 0
    assert re.fullmatch(r"[A-Z2-7]{32}", row["SecurityStamp"])
    assert row["PasswordHash"].startswith("AQAAAAIAAYag")
    assert identity.claims(user.subject) == [("given_name", "Carol"), ("locale", "en"), ("locale", "de")]
    assert sign_in(store, "carol", "Secret-123")[0] is SignIn.SUCCESS


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("alice", "Secret-123", "Username 'alice' is already taken."),
        ("ALICE", "Secret-123", "Username 'ALICE' is already taken."),
        ("al ice", "Secret-123", "Username 'al ice' is invalid, can only contain letters or digits."),
        ("carol", "Secret", "Passwords must have at least one digit ('0'-'9')."),
        ("carol", "Se-1", "Passwords must be at least 6 characters."),
    ],
)
def test_create_user_refuses_like_usermanager(identity, username, password, message):
    identity.add_user("alice")
    store = make_store(identity, check_password_options="true")
    with pytest.raises(ValueError) as refused, tx(store) as db:
        store.create(db, username, None, password, {})
    assert message in str(refused.value)


def test_unique_email_is_enforced_when_required(identity):
    identity.add_user("alice", email="alice@example.org")
    store = make_store(identity, require_unique_email="true")
    with pytest.raises(ValueError, match="Email 'ALICE@example.org' is already taken."), tx(store) as db:
        store.create(db, "alice2", "ALICE@example.org", "Secret-123", {})


def test_set_password_renews_hash_and_security_stamp(identity, store):
    user_id = identity.add_user("alice", password_hash=V2_SHA1_1000, access_failed_count=3)
    before = identity.user(user_id)
    with tx(store) as db:
        assert store.set_password(db, user_id, "New-secret-1") is True
        assert store.set_password(db, "no-such-user", "New-secret-1") is False
    after = identity.user(user_id)
    assert after["SecurityStamp"] != before["SecurityStamp"] and after["AccessFailedCount"] == 0
    assert sign_in(store, "alice")[0] is SignIn.FAILED
    assert sign_in(store, "alice", "New-secret-1")[0] is SignIn.SUCCESS


def test_set_password_applies_the_password_options_when_asked(identity):
    user_id = identity.add_user("alice")
    store = make_store(identity, check_password_options="true")
    with pytest.raises(ValueError, match="uppercase"), tx(store) as db:
        store.set_password(db, user_id, "only-lower-1")


def test_password_options_are_off_by_default(identity, store):
    user_id = identity.add_user("alice")
    with tx(store) as db:
        assert store.set_password(db, user_id, "correct horse battery staple") is True
    assert sign_in(store, "alice", "correct horse battery staple")[0] is SignIn.SUCCESS


def test_update_claims_changes_email_like_set_email(identity, store):
    user_id = identity.add_user("alice", email="alice@example.org")
    identity.add_user_claim(user_id, "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "Al")
    identity.add_user_claim(user_id, "nickname", "Ali")
    before = identity.user(user_id)
    with tx(store) as db:
        assert (
            store.update_claims(db, user_id, {"email": "alice@new.example", "given_name": "Alice", "nickname": None})
            is True
        )
    after = identity.user(user_id)
    assert after["NormalizedEmail"] == "ALICE@NEW.EXAMPLE" and not after["EmailConfirmed"]
    assert after["SecurityStamp"] != before["SecurityStamp"]
    assert identity.claims(user_id) == [("given_name", "Alice")]
    with tx(store) as db:
        store.update_claims(db, user_id, {"email_verified": True})
    assert bool(identity.user(user_id)["EmailConfirmed"])
    assert identity.user(user_id)["SecurityStamp"] == after["SecurityStamp"]  # ConfirmEmail keeps the stamp


def test_update_claims_refuses_roles_and_names(identity, store):
    user_id = identity.add_user("alice")
    with pytest.raises(ValueError, match="role"), tx(store) as db:
        store.update_claims(db, user_id, {"role": "Admin"})
    with tx(store) as db:
        assert store.update_claims(db, "no-such-user", {"nickname": "x"}) is False


def test_the_recorded_security_stamp_lives_in_aspnet_user_tokens(identity, store):
    user_id = identity.add_user("alice")
    with tx(store) as db:
        assert store.recorded_stamp(db, user_id) is None
        store.record_stamp(db, user_id, "FIRST")
    with tx(store) as db:
        store.record_stamp(db, user_id, "SECOND")
    rows = identity.execute(
        'SELECT "LoginProvider", "Name", "Value" FROM "AspNetUserTokens" WHERE "UserId" = :u', u=user_id
    ).all()
    assert [tuple(row) for row in rows] == [("Ostiary", "SecurityStamp", "SECOND")]


# -- listing, disabling and enabling (ostiary user ...) --------------------------------


def test_a_disabled_user_is_refused_as_locked_out_until_enabled(store, identity):
    user_id = identity.add_user("alice", V2_SHA1_1000, lockout_enabled=False)
    with tx(store) as db:
        assert store.set_active(db, user_id, False)
    assert lockout_end(identity, user_id).year == 9999
    outcome, user = sign_in(store, "alice")
    assert outcome is SignIn.LOCKED_OUT and user.active is False and user.locked_until is None
    with tx(store) as db:
        assert store.set_active(db, user_id, True)
        assert not store.set_active(db, "no-such-id", True)
    assert sign_in(store, "alice")[0] is SignIn.SUCCESS


def test_list_sorts_by_normalized_name_and_searches_names_and_emails(store, identity):
    for name, email in (("carol", None), ("Alice", "alice@example.org"), ("bob", "b_b@example.org")):
        identity.add_user(name, V2_SHA1_1000, email)
    with tx(store) as db:
        assert [u.username for u in store.list(db)] == ["Alice", "bob", "carol"]
        assert [u.username for u in store.list(db, offset=1, limit=1)] == ["bob"]
        assert [u.username for u in store.list(db, search="EXAMPLE")] == ["Alice", "bob"]
        assert [u.username for u in store.list(db, search="_")] == ["bob"]  # a literal _, not a wildcard
