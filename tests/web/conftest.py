"""The browser tests share one Chromium per module (tests.browsers)."""

from tests.browsers import chromium

__all__ = ["chromium"]
