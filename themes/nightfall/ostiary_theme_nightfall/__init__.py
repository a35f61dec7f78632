"""Nightfall, a dark Ostiary theme: overrides ``login.pt``, the
``site_header`` macro and ``ostiary.css``; the rest falls back to the
default theme."""
