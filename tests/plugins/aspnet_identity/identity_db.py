"""A real ASP.NET Core Identity database for the tests: the schema from the
DDL EF Core writes (schema_sqlite.sql, schema_postgresql.sql), and rows
inserted with plain SQL the way the .NET application would have left them,
independently of the plugin's own table description."""

from __future__ import annotations

import base64
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

HERE = Path(__file__).parent

#: ASP.NET Core's published test vectors (PasswordHasherTest.cs): each is a
#: hash of the password "my password".
VECTOR_PASSWORD = "my password"
V2_SHA1_1000 = "AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg=="
V3_SHA256_250000 = (
    "AQAAAAEAA9CQAAAAIESkQuj2Du8Y+kbc5lcN/W/3NiAZFEm11P27nrSN5/tId+bR1SwV8CO1Jd72r4C08OLvplNlCDc3oQZ8efcW+jQ="
)
V3_SHA512_100000 = "AQAAAAIAAYagAAAAEAABAgMEBQYHCAkKCwwNDg/Q8A0WMKbtHQJQ2DHCdoEeeFBrgNlldq6vH4qX/CGqGQ=="


def security_stamp() -> str:
    return base64.b32encode(os.urandom(20)).decode()


class IdentityDatabase:
    """An Identity database with helpers that write it as .NET would."""

    def __init__(self, url: str, dialect: str):
        self.url = url
        self.dialect = dialect
        self.engine = create_engine(url)
        script = (HERE / f"schema_{dialect}.sql").read_text()
        raw = self.engine.raw_connection()
        try:
            if dialect == "sqlite":
                raw.driver_connection.executescript(script)
            else:
                with raw.cursor() as cursor:
                    cursor.execute(script)
            raw.commit()
        finally:
            raw.close()

    def _datetimeoffset(self, value: datetime | None):
        if value is None or self.dialect != "sqlite":
            return value
        # EF Core: "yyyy-MM-dd HH:mm:ss.FFFFFFFzzz" (up to 7 fraction digits, trailing zeros cut)
        text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + "0"
        return text.rstrip("0").rstrip(".") + "+00:00"

    def execute(self, sql: str, **params):
        with self.engine.begin() as conn:
            return conn.execute(text(sql), params)

    def add_user(
        self,
        username: str,
        password_hash: str | None = V3_SHA512_100000,
        email: str | None = None,
        *,
        normalized_username: str | None = None,
        normalized_email: str | None = None,
        email_confirmed=True,
        phone_number=None,
        lockout_end=None,
        lockout_enabled=True,
        access_failed_count=0,
        two_factor_enabled=False,
    ) -> str:
        user_id = str(uuid.uuid4())
        self.execute(
            'INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail",'
            ' "EmailConfirmed", "PasswordHash", "SecurityStamp", "ConcurrencyStamp", "PhoneNumber",'
            ' "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnd", "LockoutEnabled", "AccessFailedCount")'
            " VALUES (:id, :username, :nusername, :email, :nemail, :confirmed, :hash, :stamp, :cstamp, :phone,"
            " :phone_confirmed, :tfa, :lockout_end, :lockout_enabled, :failed)",
            id=user_id,
            username=username,
            nusername=normalized_username or username.upper(),
            email=email,
            nemail=normalized_email or (email.upper() if email else None),
            confirmed=email_confirmed,
            hash=password_hash,
            stamp=security_stamp(),
            cstamp=str(uuid.uuid4()),
            phone=phone_number,
            phone_confirmed=False,
            tfa=two_factor_enabled,
            lockout_end=self._datetimeoffset(lockout_end),
            lockout_enabled=lockout_enabled,
            failed=access_failed_count,
        )
        return user_id

    def add_role(self, name: str) -> str:
        role_id = str(uuid.uuid4())
        self.execute(
            'INSERT INTO "AspNetRoles" ("Id", "Name", "NormalizedName", "ConcurrencyStamp")'
            " VALUES (:id, :name, :nname, :cstamp)",
            id=role_id,
            name=name,
            nname=name.upper(),
            cstamp=str(uuid.uuid4()),
        )
        return role_id

    def add_user_to_role(self, user_id: str, role_id: str) -> None:
        self.execute('INSERT INTO "AspNetUserRoles" ("UserId", "RoleId") VALUES (:u, :r)', u=user_id, r=role_id)

    def add_user_claim(self, user_id: str, claim_type: str, value: str) -> None:
        self.execute(
            'INSERT INTO "AspNetUserClaims" ("UserId", "ClaimType", "ClaimValue") VALUES (:u, :t, :v)',
            u=user_id,
            t=claim_type,
            v=value,
        )

    def add_role_claim(self, role_id: str, claim_type: str, value: str) -> None:
        self.execute(
            'INSERT INTO "AspNetRoleClaims" ("RoleId", "ClaimType", "ClaimValue") VALUES (:r, :t, :v)',
            r=role_id,
            t=claim_type,
            v=value,
        )

    def user(self, user_id: str) -> dict:
        """The user's row as the database holds it (LockoutEnd as stored)."""
        row = self.execute('SELECT * FROM "AspNetUsers" WHERE "Id" = :id', id=user_id).mappings().one()
        return dict(row)

    def set(self, user_id: str, **columns) -> None:
        """Change columns of a user row, as the .NET application would."""
        for name, value in columns.items():
            if name == "LockoutEnd":
                value = self._datetimeoffset(value)
            self.execute(f'UPDATE "AspNetUsers" SET "{name}" = :value WHERE "Id" = :id', value=value, id=user_id)

    def claims(self, user_id: str) -> list[tuple[str, str]]:
        rows = self.execute(
            'SELECT "ClaimType", "ClaimValue" FROM "AspNetUserClaims" WHERE "UserId" = :id ORDER BY "Id"', id=user_id
        )
        return [tuple(row) for row in rows]

    def dispose(self) -> None:
        self.engine.dispose()
