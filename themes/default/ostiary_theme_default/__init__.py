"""The default Ostiary theme.

``templates/`` holds every core page, ``layout.pt`` (the page macro) and
``macros/`` (one shared macro per file); ``static/`` the stylesheets.
Other themes override these files one by one and fall back to them.
"""
