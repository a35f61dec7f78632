"""Authenticator apps (TOTP, RFC 6238) as a further factor of sign-in."""
