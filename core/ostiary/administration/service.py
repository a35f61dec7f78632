"""Every module of the service layer under one name, for the admin
console plugin and third-party plugins (``from ostiary.plugin import
admin``): ``admin.clients.create_client(request, actor, ...)``."""

from . import (  # noqa: F401
    audit,
    clients,
    consents,
    deliveries,
    errors,
    keys,
    providers,
    records,
    registration,  # noqa: F401  (initial access tokens for dynamic client registration)
    resources,
    sessions,
    users,
)
from .audit import CLI, client_actor, person_actor  # noqa: F401
from .errors import AdminError, Conflict, NotFound, PreconditionFailed, ValidationError  # noqa: F401
from .users import ADMIN_ROLE, ROLES_CLAIM, is_admin  # noqa: F401
