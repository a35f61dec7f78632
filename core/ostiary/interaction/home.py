"""The landing page at ``/``: who is signed in, with a way out."""

from .pages import render_page


def home(request):
    session = request.interaction.session
    user = None
    if session is not None:
        user = request.plugins.user_by_subject(subject=session.subject)
    values = {"page_title": request.registry.ostiary_brand.product_name, "user": user,
              "signed_in": session is not None}
    return render_page(request, "home.pt", values)
