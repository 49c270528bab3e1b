"""Rules: appropriateness."""

from __future__ import annotations
