"""Page geometry: rectangles in points, grids of same-size items, cut marks."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

__all__ = ["A4", "mm", "Rect", "grid", "draw_cut_marks"]


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle in PDF points, origin bottom-left."""

    x: float
    y: float
    w: float
    h: float

    @property
    def top(self) -> float:
        return self.y + self.h

    @property
    def right(self) -> float:
        return self.x + self.w

    def inset(self, dx: float, dy: float | None = None) -> Rect:
        dy = dx if dy is None else dy
        return Rect(self.x + dx, self.y + dy, self.w - 2 * dx, self.h - 2 * dy)

    def contains(self, other: Rect, tol: float = 0.0) -> bool:
        return (
            other.x >= self.x - tol
            and other.y >= self.y - tol
            and other.right <= self.right + tol
            and other.top <= self.top + tol
        )

    def overlaps(self, other: Rect) -> bool:
        return other.x < self.right and other.right > self.x and other.y < self.top and other.top > self.y


def grid(page: tuple[float, float], item: tuple[float, float], cols: int, rows: int) -> list[Rect]:
    """Items centred on the page without gutters, in reading order (top-left first)."""
    pw, ph = page
    w, h = item
    x0 = (pw - cols * w) / 2
    y0 = (ph + rows * h) / 2  # top edge of the grid
    return [Rect(x0 + c * w, y0 - (r + 1) * h, w, h) for r in range(rows) for c in range(cols)]


#: Office printers leave this much of the paper's edge white: no ink goes there.
SAFE_MARGIN = 5 * mm


def draw_cut_marks(canvas, boxes: list[Rect], page: tuple[float, float] | None = None,
                   length: float = 4 * mm, gap: float = 1 * mm) -> None:
    """Light grey marks where a guillotine cuts, all printable (inside the page's safe margin).

    Every cut line gets short ticks just outside the grid where there is room, otherwise on
    the line itself just inside the safe margin (it is cut away with the line); a small cross
    marks where cuts meet inside the grid. A grid edge on the paper's edge needs no cut."""
    pw, ph = page or (float("inf"), float("inf"))
    xs = sorted({round(v, 3) for b in boxes for v in (b.x, b.right)})
    ys = sorted({round(v, 3) for b in boxes for v in (b.y, b.top)})
    left, right, bottom, top = xs[0], xs[-1], ys[0], ys[-1]
    room = gap + length + SAFE_MARGIN
    canvas.saveState()
    canvas.setStrokeColorRGB(0.7, 0.7, 0.7)
    canvas.setLineWidth(0.3)
    path = canvas.beginPath()

    def tick(x0: float, y0: float, x1: float, y1: float) -> None:
        path.moveTo(x0, y0)
        path.lineTo(x1, y1)

    for x in xs:
        if min(x, pw - x) < 1 * mm:
            continue
        if ph - top >= room:
            tick(x, top + gap, x, top + gap + length)
        else:
            tick(x, ph - SAFE_MARGIN, x, ph - SAFE_MARGIN - length)
        if bottom >= room:
            tick(x, bottom - gap, x, bottom - gap - length)
        else:
            tick(x, SAFE_MARGIN, x, SAFE_MARGIN + length)
    for y in ys:
        if min(y, ph - y) < 1 * mm:
            continue
        if left >= room:
            tick(left - gap, y, left - gap - length, y)
        else:
            tick(SAFE_MARGIN, y, SAFE_MARGIN + length, y)
        if pw - right >= room:
            tick(right + gap, y, right + gap + length, y)
        else:
            tick(pw - SAFE_MARGIN, y, pw - SAFE_MARGIN - length, y)
    arm = 1.5 * mm

    def printable(x: float, y: float) -> bool:
        return SAFE_MARGIN <= x <= pw - SAFE_MARGIN and SAFE_MARGIN <= y <= ph - SAFE_MARGIN

    for x in xs[1:-1]:
        for y in ys:
            if printable(x, y):
                tick(x, y - arm if y != bottom else y, x, y + arm if y != top else y)
    for y in ys[1:-1]:
        for x in xs:
            if printable(x, y):
                tick(x - arm if x != left else x, y, x + arm if x != right else x, y)
    canvas.drawPath(path, stroke=1, fill=0)
    canvas.restoreState()
