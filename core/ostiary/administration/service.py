"""Every module of the service layer under one name, for the admin
console plugin and third-party plugins (``from ostiary.plugin import
admin``): ``admin.clients.create_client(request, actor, ...)``."""

from . import audit, clients, errors  # noqa: F401 - re-exported
from .audit import CLI, client_actor, person_actor  # noqa: F401
from .errors import AdminError, Conflict, NotFound, PreconditionFailed, ValidationError  # noqa: F401
