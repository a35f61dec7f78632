"""The external source: a JSON file, read again whenever it changes."""

from __future__ import annotations

import json
import logging
import os
import threading

log = logging.getLogger(__name__)


class ClaimsFile:
    """Entries of a JSON object ``{key: {claim: value}}``, keyed by username or subject.

    The file is parsed at start-up (a broken file stops the server) and again
    whenever its modification time changes; if a changed file cannot be
    read, the last good version is kept and a warning logged.
    """

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._stamp = None
        self._entries = {}
        self._entries = self._load()

    def _load(self) -> dict:
        stamp = os.stat(self.path).st_mtime_ns
        with open(self.path, encoding="utf-8") as handle:
            data = json.load(handle)
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise ValueError("expected a JSON object of objects")
        self._stamp = stamp
        return data

    def entries(self) -> dict:
        try:
            changed = os.stat(self.path).st_mtime_ns != self._stamp
        except OSError:
            changed = False  # gone for a moment (being replaced): keep what we have
        if changed:
            with self._lock:
                try:
                    self._entries = self._load()
                except (OSError, ValueError) as exc:
                    log.warning("%s: keeping the previous version: %s", self.path, exc)
        return self._entries

    def entry(self, *keys) -> dict | None:
        """The first entry found under one of ``keys`` (subject, then username)."""
        entries = self.entries()
        for key in keys:
            if key and key in entries:
                return entries[key]
        return None
