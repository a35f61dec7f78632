"""The one service layer of administration (issue 14).

The admin REST API, the web admin console and the ``ostiary`` command line
all manage Ostiary through the functions of these modules, so that they
cannot disagree: one set of rules, one wording of every refusal, one audit
event per change naming its actor.

- :mod:`.clients`: list/search, get, create, update, rotate the secret, delete
- :mod:`.resources`: identity resources and API scopes
- :mod:`.users`: people, through the user-store hooks
- :mod:`.sessions`: SSO sessions (ending them tells their clients)
- :mod:`.consents`: remembered consents
- :mod:`.keys`: signing keys (list, announce, rotate)
- :mod:`.providers`: external identity providers (read)
- :mod:`.records`: error records behind an error id, the audit trail
- :mod:`.errors`: :class:`ValidationError`, :class:`NotFound`,
  :class:`Conflict`, :class:`PreconditionFailed`
- :mod:`.audit`: actors and the ``admin.changed`` event

The layer sits above ``interaction`` (ending a session goes through the
interaction service's one sign-out path) and below ``app``.
"""

from .errors import AdminError, Conflict, NotFound, PreconditionFailed, ValidationError

__all__ = ["AdminError", "Conflict", "NotFound", "PreconditionFailed", "ValidationError"]
