"""Rules: funds."""

from __future__ import annotations
