"""Headers that HTTP answers carry, defined once for every layer above.

They live in ``protocol`` because the earliest answers (discovery and the
JWKS, served before Pyramid builds a request) need them too, and
``protocol`` may not import ``interaction``.
"""

#: Headers every response carries. Referrer-Policy is same-origin, not
#: no-referrer: with no-referrer browsers send "Origin: null" on form posts,
#: and the CSRF origin check over https would refuse them.
COMMON_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"))

#: Tokens, errors and forms must not be kept by any cache (RFC 6749, 5.1).
NO_STORE = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))
