"""Rules: measurability."""

from __future__ import annotations
