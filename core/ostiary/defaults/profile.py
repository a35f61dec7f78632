"""Default profile service: the user's stored claims, filtered to the claim
types the granted scopes request."""

from ..hookspecs import hookimpl


@hookimpl
def ostiary_profile_claims(request, subject, requested_claims):
    user = request.plugins.user_by_subject(subject)
    if user is None:
        return {}
    claims = dict(user.claims)
    if user.email and "email" not in claims:
        claims["email"] = user.email
    if "preferred_username" not in claims:
        claims["preferred_username"] = user.username
    return {name: value for name, value in claims.items() if name in requested_claims}


@hookimpl
def ostiary_is_active(request, subject):
    user = request.plugins.user_by_subject(subject)
    if user is None or not getattr(user, "active", True):
        return False
    return None
