"""Users of an ASP.NET Core Identity database, read and written the way
``UserManager`` and ``SignInManager`` do.

Every method takes ``db``: a SQLAlchemy ``Session`` (or ``Connection``) in
a transaction the caller commits. In a request that is the session joined
to the request's transaction (see :mod:`.hooks`), so a page's database
writes and Ostiary's commit or roll back together.

Writes to ``AspNetUsers`` always set a new ``ConcurrencyStamp``, as EF
Core's ``UserStore.UpdateAsync`` does, so a .NET process holding the old
row gets a concurrency failure instead of overwriting what was done here.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine, delete, insert, or_, select, update

from . import claims as claimlib
from . import policy
from .hasher import PasswordHasher, Result
from .normalize import normalize
from .schema import build_tables
from .users import DISABLED_UNTIL, AspNetUser, SignIn, new_guid, new_security_stamp, utcnow

__all__ = ["STAMP_TOKEN", "AspNetUser", "IdentityStore", "SignIn"]

#: The ``AspNetUserTokens`` row (LoginProvider, Name) where Ostiary keeps the
#: security stamp it last saw at a sign-in (see ``hooks.ostiary_is_active``).
STAMP_TOKEN = ("Ostiary", "SecurityStamp")


class IdentityStore:
    """The Identity tables of one database, with the options of one deployment."""

    def __init__(self, options, engine=None):
        self.options = options
        self.tables = build_tables(options.schema)
        self.hasher = PasswordHasher(options.hash_format, options.hash_prf, options.hash_iterations)
        self.engine = engine if engine is not None else create_engine(options.url, pool_pre_ping=True)

    # -- finding users ----------------------------------------------------------

    def _one(self, db, *conditions) -> AspNetUser | None:
        row = db.execute(select(self.tables.users).where(*conditions).limit(2)).mappings().all()
        return AspNetUser.from_row(row[0]) if len(row) == 1 else None

    def find(self, db, subject: str) -> AspNetUser | None:
        """``FindByIdAsync``."""
        return self._one(db, self.tables.users.c.Id == subject) if subject else None

    def find_by_name(self, db, username: str) -> AspNetUser | None:
        """``FindByNameAsync``: by ``NormalizedUserName``."""
        return self._one(db, self.tables.users.c.NormalizedUserName == normalize(username)) if username else None

    def find_by_email(self, db, email: str) -> AspNetUser | None:
        """``FindByEmailAsync``: by ``NormalizedEmail``; None when several users share it."""
        return self._one(db, self.tables.users.c.NormalizedEmail == normalize(email)) if email else None

    def find_for_login(self, db, login: str) -> AspNetUser | None:
        """The user a sign-in form names: by user name, else (if allowed) by email."""
        user = self.find_by_name(db, login)
        if user is None and self.options.login_with_email and "@" in (login or ""):
            user = self.find_by_email(db, login)
        return user

    def find_by_external_login(self, db, provider: str, key: str) -> AspNetUser | None:
        """``FindByLoginAsync``: the user an ``AspNetUserLogins`` row names."""
        logins = self.tables.user_logins
        user_id = db.execute(
            select(logins.c.UserId).where(logins.c.LoginProvider == provider, logins.c.ProviderKey == key)
        ).scalar()
        return self.find(db, user_id) if user_id else None

    def list(self, db, offset: int = 0, limit: int | None = None, search: str | None = None) -> list[AspNetUser]:
        """Users by ``NormalizedUserName``; ``search`` in the user name or
        email, ignoring case (it is matched against the normalized columns)."""
        users = self.tables.users
        query = select(users).order_by(users.c.NormalizedUserName).offset(offset)
        if search:
            pattern = "%" + normalize(search).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(
                or_(
                    users.c.NormalizedUserName.like(pattern, escape="\\"),
                    users.c.NormalizedEmail.like(pattern, escape="\\"),
                )
            )
        if limit is not None:
            query = query.limit(limit)
        return [AspNetUser.from_row(row) for row in db.execute(query).mappings()]

    def with_claims(self, db, user: AspNetUser | None) -> AspNetUser | None:
        """``user`` with ``claims`` filled in (see :mod:`.claims`)."""
        if user is not None:
            user.claims = claimlib.user_claims(db, self.tables, user)
        return user

    # -- signing in -------------------------------------------------------------------

    def check_password_sign_in(self, db, login: str, password: str) -> tuple[SignIn, AspNetUser | None]:
        """``SignInManager.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true)``.

        Refusals before the password check (unknown, not allowed, locked out)
        still spend the time of one hash. A wrong password counts towards the
        lockout; a right one is rehashed when its format is older than the
        configured one, and resets the count unless a second factor follows.
        """
        user = self.find_for_login(db, login)
        if user is None:
            self.hasher.burn(password)
            return SignIn.UNKNOWN, None
        if self.options.require_confirmed_email and not user.email_confirmed:
            self.hasher.burn(password)
            return SignIn.NOT_ALLOWED, user
        if user.is_locked_out():
            self.hasher.burn(password)
            return SignIn.LOCKED_OUT, user
        if user.password_hash is None:
            self.hasher.burn(password)
            result = Result.FAILED
        else:
            result = self.hasher.verify(user.password_hash, password)
        if result is Result.FAILED:
            self.access_failed(db, user)
            return (SignIn.LOCKED_OUT if user.is_locked_out() else SignIn.FAILED), user
        if result is Result.REHASH_NEEDED:
            self._rehash(db, user, password)
        if user.two_factor_enabled and not self.options.allow_two_factor_users:
            return SignIn.REQUIRES_TWO_FACTOR, user
        if user.access_failed_count:
            self._update(db, user.subject, AccessFailedCount=0)
            user.access_failed_count = 0
        return SignIn.SUCCESS, user

    def access_failed(self, db, user: AspNetUser) -> None:
        """``UserManager.AccessFailedAsync``: count one failure; at the maximum,
        lock the account for the lockout time span and reset the count."""
        users = self.tables.users
        self._update(db, user.subject, AccessFailedCount=users.c.AccessFailedCount + 1)
        count = db.execute(select(users.c.AccessFailedCount).where(users.c.Id == user.subject)).scalar_one()
        if count >= self.options.max_failed_access_attempts:
            user.lockout_end = utcnow() + timedelta(seconds=self.options.lockout_seconds)
            self._update(db, user.subject, LockoutEnd=user.lockout_end, AccessFailedCount=0)
            count = 0
        user.access_failed_count = count

    def _rehash(self, db, user: AspNetUser, password: str) -> None:
        # UserManager.UpdatePasswordHash: a new hash and a new security stamp;
        # skipped if the hash changed meanwhile (a password reset elsewhere).
        users = self.tables.users
        values = {"PasswordHash": self.hasher.hash(password), "SecurityStamp": new_security_stamp()}
        changed = self._update(db, user.subject, users.c.PasswordHash == user.password_hash, **values)
        if changed:
            user.password_hash, user.security_stamp = values["PasswordHash"], values["SecurityStamp"]

    def _update(self, db, subject: str, *conditions, **values) -> int:
        users = self.tables.users
        statement = (
            update(users).where(users.c.Id == subject, *conditions).values(ConcurrencyStamp=new_guid(), **values)
        )
        return db.execute(statement).rowcount

    # -- changing users -------------------------------------------------------------------

    def create(self, db, username: str, email: str | None, password: str | None, claims=None) -> AspNetUser:
        """``UserManager.CreateAsync(user, password)``; ``ValueError`` when refused."""
        claims = dict(claims or {})
        policy.check_username(self.options, username)
        if password is not None:
            policy.check_password(self.options, password)
        if self.find_by_name(db, username) is not None:
            raise ValueError(f"Username '{username}' is already taken.")
        self._check_email(db, email, None)
        subject = new_guid()
        db.execute(
            insert(self.tables.users).values(
                Id=subject,
                UserName=username,
                NormalizedUserName=normalize(username),
                Email=email or None,
                NormalizedEmail=normalize(email or None),
                EmailConfirmed=bool(claims.pop("email_verified", False)),
                PasswordHash=self.hasher.hash(password) if password is not None else None,
                SecurityStamp=new_security_stamp(),
                ConcurrencyStamp=new_guid(),
                PhoneNumber=claims.pop("phone_number", None) or None,
                PhoneNumberConfirmed=bool(claims.pop("phone_number_verified", False)),
                TwoFactorEnabled=False,
                LockoutEnd=None,
                LockoutEnabled=self.options.lockout_allowed_for_new_users,
                AccessFailedCount=0,
            )
        )
        for name in claimlib.ROW_CLAIMS:
            claims.pop(name, None)
        self._put_claims(db, subject, claims)
        return self.with_claims(db, self.find(db, subject))

    def _check_email(self, db, email: str | None, subject: str | None) -> None:
        if not self.options.require_unique_email:
            return
        policy.check_email(email)
        users = self.tables.users
        taken = db.execute(
            select(users.c.Id).where(users.c.NormalizedEmail == normalize(email), users.c.Id != (subject or ""))
        ).first()
        if taken is not None:
            raise ValueError(f"Email '{email}' is already taken.")

    def set_password(self, db, subject: str, password: str) -> bool:
        """``UserManager.ResetPasswordAsync`` without the token: a new hash and
        a new security stamp (after the ``PasswordOptions``, if they are
        checked). Failed attempts are forgotten; a ``LockoutEnd`` stays (it
        may be an administrator's)."""
        if self.find(db, subject) is None:
            return False
        policy.check_password(self.options, password)
        self._update(
            db,
            subject,
            PasswordHash=self.hasher.hash(password),
            SecurityStamp=new_security_stamp(),
            AccessFailedCount=0,
        )
        return True

    # -- the account console (issue 12) ----------------------------------------------------

    def change_email(self, db, subject: str, email: str, confirmed: bool) -> bool:
        """``UserManager.ChangeEmailAsync`` after its token was checked (the
        console's single-use link): ``Email``, ``NormalizedEmail``,
        ``EmailConfirmed`` and a new security stamp."""
        if self.find(db, subject) is None:
            return False
        self._check_email(db, email, subject)
        self._update(
            db,
            subject,
            Email=email,
            NormalizedEmail=normalize(email),
            EmailConfirmed=bool(confirmed),
            SecurityStamp=new_security_stamp(),
        )
        return True

    def delete_user(self, db, subject: str) -> bool:
        """``UserManager.DeleteAsync``: the user row and its claims, roles,
        external logins and tokens (EF Core cascades these on its schema)."""
        if self.find(db, subject) is None:
            return False
        tables = self.tables
        for table in (tables.user_claims, tables.user_roles, tables.user_logins, tables.user_tokens):
            db.execute(delete(table).where(table.c.UserId == subject))
        db.execute(delete(tables.users).where(tables.users.c.Id == subject))
        return True

    def set_active(self, db, subject: str, active: bool) -> bool:
        """Disable a user as ASP.NET administration tools do: lockout enabled
        and ``LockoutEnd`` at ``DateTimeOffset.MaxValue``, with a new security
        stamp so that its sessions and tokens end. Enabling clears
        ``LockoutEnd`` and the failed attempts (any lockout ends)."""
        if self.find(db, subject) is None:
            return False
        if active:
            self._update(db, subject, LockoutEnd=None, AccessFailedCount=0)
        else:
            self._update(
                db, subject, LockoutEnabled=True, LockoutEnd=DISABLED_UNTIL, SecurityStamp=new_security_stamp()
            )
        return True

    def update_security_stamp(self, db, subject: str) -> str:
        """``UserManager.UpdateSecurityStampAsync``: ends the user's sessions and tokens."""
        stamp = new_security_stamp()
        self._update(db, subject, SecurityStamp=stamp)
        return stamp

    def update_claims(self, db, subject: str, claims: dict) -> bool:
        """Merge ``claims`` into the user: ``email`` and ``phone_number`` as
        ``SetEmailAsync``/``SetPhoneNumberAsync`` do (unconfirmed, new security
        stamp), ``email_verified``/``phone_number_verified`` into the confirmed
        flags, any other claim replacing the user's claims of that type
        (``None`` removes them). Names, roles and ``sub`` cannot change here."""
        user = self.find(db, subject)
        if user is None:
            return False
        claims = dict(claims)
        fixed = sorted({"sub", "preferred_username", "role"} & set(claims))
        if fixed:
            raise ValueError(f"{', '.join(fixed)} cannot be changed here")
        values = self._contact_changes(db, user, claims)
        if values:
            self._update(db, subject, **values)
        self._put_claims(db, subject, claims, replace=True)
        return True

    def _contact_changes(self, db, user: AspNetUser, claims: dict) -> dict:
        values = {}
        if "email" in claims:
            email = claims.pop("email") or None
            if email != user.email:
                self._check_email(db, email, user.subject)
                values.update(
                    Email=email,
                    NormalizedEmail=normalize(email),
                    EmailConfirmed=False,
                    SecurityStamp=new_security_stamp(),
                )
        if "email_verified" in claims:
            values["EmailConfirmed"] = bool(claims.pop("email_verified"))
        if "phone_number" in claims:
            phone = claims.pop("phone_number") or None
            if phone != user.phone_number:
                values.update(PhoneNumber=phone, PhoneNumberConfirmed=False, SecurityStamp=new_security_stamp())
        if "phone_number_verified" in claims:
            values["PhoneNumberConfirmed"] = bool(claims.pop("phone_number_verified"))
        return values

    def _put_claims(self, db, subject: str, claims: dict, replace: bool = False) -> None:
        table = self.tables.user_claims
        if replace and claims:
            rows = db.execute(select(table.c.Id, table.c.ClaimType).where(table.c.UserId == subject)).all()
            stale = [row_id for row_id, claim_type in rows if claimlib.claim_name(claim_type) in claims]
            if stale:
                db.execute(delete(table).where(table.c.Id.in_(stale)))
        for name, value in claims.items():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if item is not None:
                    db.execute(insert(table).values(UserId=subject, ClaimType=name, ClaimValue=claimlib.to_text(item)))

    # -- the security stamp seen at sign-in ---------------------------------------------------

    def recorded_stamp(self, db, subject: str) -> str | None:
        """The security stamp recorded at the user's last sign-in through Ostiary."""
        tokens = self.tables.user_tokens
        provider, name = STAMP_TOKEN
        return db.execute(
            select(tokens.c.Value).where(
                tokens.c.UserId == subject, tokens.c.LoginProvider == provider, tokens.c.Name == name
            )
        ).scalar()

    def record_stamp(self, db, subject: str, stamp: str | None) -> None:
        """Remember ``stamp`` as the one sessions and tokens of ``subject`` belong to."""
        tokens = self.tables.user_tokens
        provider, name = STAMP_TOKEN
        where = (tokens.c.UserId == subject, tokens.c.LoginProvider == provider, tokens.c.Name == name)
        if db.execute(update(tokens).where(*where).values(Value=stamp or "")).rowcount == 0:
            db.execute(insert(tokens).values(UserId=subject, LoginProvider=provider, Name=name, Value=stamp or ""))
