"""Screenshots of one widget rather than the whole workspace, through the `screenshot` fixture."""

from __future__ import annotations


class Widget:
    """Hands the `screenshot` fixture one element: the picture then shows that widget at full size."""

    def __init__(self, locator) -> None:
        self.locator = locator

    def screenshot(self, path: str, full_page: bool = True) -> None:
        self.locator.screenshot(path=path)
