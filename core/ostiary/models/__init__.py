"""Persistent objects: everything that must survive a restart or be seen by
a second server process lives here, in BTrees under :class:`OstiaryRoot`.

ZODB is imported only in this package.
"""

from .root import OstiaryRoot, get_root, open_root_from_connection  # noqa: F401
