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


def draw_cut_marks(canvas, boxes: list[Rect], length: float = 4 * mm, gap: float = 1 * mm) -> None:
    """Light grey marks where a guillotine cuts: every line through a box edge gets
    short ticks just outside the grid, and a small cross where cuts meet inside it
    (the cross falls on the cut, so it is trimmed away)."""
    xs = sorted({round(v, 3) for b in boxes for v in (b.x, b.right)})
    ys = sorted({round(v, 3) for b in boxes for v in (b.y, b.top)})
    left, right, bottom, top = xs[0], xs[-1], ys[0], ys[-1]
    canvas.saveState()
    canvas.setStrokeColorRGB(0.7, 0.7, 0.7)
    canvas.setLineWidth(0.3)
    path = canvas.beginPath()
    for x in xs:
        path.moveTo(x, top + gap)
        path.lineTo(x, top + gap + length)
        path.moveTo(x, bottom - gap)
        path.lineTo(x, bottom - gap - length)
    for y in ys:
        path.moveTo(left - gap, y)
        path.lineTo(left - gap - length, y)
        path.moveTo(right + gap, y)
        path.lineTo(right + gap + length, y)
    arm = 1.5 * mm
    for x in xs[1:-1]:
        for y in ys:
            path.moveTo(x, y - arm if y != bottom else y)
            path.lineTo(x, y + arm if y != top else y)
    for y in ys[1:-1]:
        for x in xs:
            path.moveTo(x - arm if x != left else x, y)
            path.lineTo(x + arm if x != right else x, y)
    canvas.drawPath(path, stroke=1, fill=0)
    canvas.restoreState()
