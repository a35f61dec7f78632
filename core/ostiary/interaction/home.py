"""The landing page at ``/``: who is signed in, with a way out."""

from .pages import render_page


def home(request):
    """``GET /``."""
    session = request.interaction.session
    user = None
    if session is not None:
        user = request.plugins.user_by_subject(subject=session.subject)
    return render_page(request, "home.pt", values(request, user, signed_in=session is not None))


def values(request, user, signed_in: bool) -> dict:
    """What ``home.pt`` receives, for the view and the gallery alike. Signed
    in without a ``user``: the user store no longer knows the session's subject."""
    return {"page_title": request.registry.ostiary_brand.product_name, "user": user, "signed_in": signed_in}
