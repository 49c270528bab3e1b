"""Rules: format."""

from __future__ import annotations
