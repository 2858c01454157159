"""Errors the readers raise."""

from __future__ import annotations


class UnsupportedInput(ValueError):
    """The bytes cannot be read as the form they were given as: not that format,
    damaged beyond recovery, or locked (a password-protected PDF)."""
