"""The hooks of external login, part of the contract only while the
built-in ``federation`` plugin is enabled: it adds them with
``ostiary_add_hookspecs``. A plugin implementing them should mark its
implementations ``@hookimpl(optionalhook=True)``, so that blocking
federation does not stop start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..hookspecs import hookspec

if TYPE_CHECKING:
    from pyramid.request import Request


@hookspec
def ostiary_external_claims(request: Request, provider: Any, claims: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Map the claims of an upstream identity to local claim names.

    Called after an external sign-in was validated. ``provider`` is the
    :class:`ostiary.settings.ProviderSettings` (``provider.name``,
    ``provider.claims``, ...), ``claims`` the upstream's claims: its ID token
    merged with its userinfo answer. Return a dict of local claims (``email``,
    ``email_verified``, ``name``, ``preferred_username``, ...); a value of
    ``None`` removes a claim. Every plugin's dict is merged, plugins
    registered later winning; the built-in ``federation`` plugin supplies the
    standard OpenID Connect claims renamed by ``ostiary.provider.<name>.claims.*``.
    The result decides linking by email and the new user's claims.
    """


@hookspec(firstresult=True)
def ostiary_external_provisioning(
    request: Request, provider: Any, claims: Mapping[str, Any], proposal: dict
) -> str | None:
    """Called before a local user is created for an upstream identity.

    ``claims`` are the mapped local claims (see :func:`ostiary_external_claims`);
    ``proposal`` is a dict with ``username``, ``email`` (only when the upstream
    verified it) and ``claims``, passed to :func:`ostiary_create_user` with no
    password. Change it in place to adjust the new user; return a message
    (str) to refuse (the person sees the error page, nothing is created), or
    ``None`` to allow. The first message wins.
    """
