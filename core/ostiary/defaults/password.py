"""The built-in password method of sign-in: the login page's step.

A plugin like any other (block it by the name ``password`` and no one can
be asked for a password as a factor by the step machinery; the login page
itself stays as ``ostiary.local`` providers decide)."""

from ..interaction.steps import ostiary_authentication_methods

__all__ = ["ostiary_authentication_methods"]
