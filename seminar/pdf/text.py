"""Fitting a string into a box: shrink, then wrap, then ellipsise.

Widths come from ``pdfmetrics.stringWidth``; for the TrueType fonts we use it is
linear in the font size (reportlab applies no kerning), so widths are measured
once at size 1 and scaled.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth

ELLIPSIS = "…"

# A word, or the part of a hyphenated word up to and including its hyphen:
# "Константинопольский-Преображенский" may break after the hyphen.
_PIECE = re.compile(r"[^\s-]*-+(?=[^\s-])|\S+")


@dataclass(frozen=True)
class FittedText:
    """Lines to draw at ``size`` points; every line is at most the box width."""

    lines: tuple[str, ...]
    size: float
    widths: tuple[float, ...]

    @property
    def truncated(self) -> bool:
        return bool(self.lines) and self.lines[-1].endswith(ELLIPSIS)


def fit_text(
    text: str,
    font: str,
    width: float,
    size: float,
    min_size: float | None = None,
    max_lines: int = 2,
    step: float = 0.5,
) -> FittedText:
    """Fit ``text`` into ``width`` points.

    One line at ``size``, else one line shrunk down to ``min_size``, else the
    largest size (in ``step`` decrements) at which it wraps into ``max_lines``,
    else ``max_lines`` lines at ``min_size`` with the last one ending in "…".
    """
    text = " ".join(text.split())
    min_size = size if min_size is None else min(min_size, size)
    if not text or width <= 0:
        return FittedText((), size, ())
    unit = stringWidth(text, font, 1)
    if unit * size <= width:
        return _fitted((text,), font, size)
    shrunk = math.floor(width / unit * 10) / 10  # round down to 0.1 pt
    if shrunk >= min_size:
        return _fitted((text,), font, shrunk)
    if max_lines > 1:
        pieces = _pieces(text, font)
        space = stringWidth(" ", font, 1)
        s = size
        while s >= min_size - 1e-9:
            lines = _wrap(pieces, space, width / s, font, break_words=False)
            if lines is not None and len(lines) <= max_lines:
                return _fitted(tuple(lines), font, s)
            s = round(s - step, 3)
        lines = _wrap(pieces, space, width / min_size, font) or []
        head, rest = lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])
    else:
        head, rest = [], text
    last = _ellipsise(rest, font, min_size, width)
    return _fitted(tuple(head) + (last,), font, min_size)


def _fitted(lines: tuple[str, ...], font: str, size: float) -> FittedText:
    return FittedText(lines, size, tuple(stringWidth(line, font, size) for line in lines))


def _pieces(text: str, font: str) -> list[tuple[str, bool, float]]:
    """(piece, space before it, width at size 1) for each breakable piece."""
    out = []
    for m in _PIECE.finditer(text):
        spaced = m.start() > 0 and text[m.start() - 1] == " "
        out.append((m.group(), spaced, stringWidth(m.group(), font, 1)))
    return out


def _wrap(pieces, space: float, limit: float, font: str, break_words: bool = True) -> list[str] | None:
    """Greedy wrap at ``limit`` (width at size 1). A piece wider than a line breaks
    anywhere if ``break_words``, else there is no wrap (None)."""
    lines: list[str] = []
    line, used = "", 0.0
    for piece, spaced, w in pieces:
        gap = space if (line and spaced) else 0.0
        if line and used + gap + w <= limit:
            line += (" " if gap else "") + piece
            used += gap + w
            continue
        if line:
            lines.append(line)
        line, used = piece, w
        if used > limit and not break_words:
            return None
        while used > limit and len(line) > 1:
            cut = _longest_prefix(line, font, limit)
            lines.append(line[:cut])
            line = line[cut:]
            used = stringWidth(line, font, 1)
    if line:
        lines.append(line)
    return lines


def _longest_prefix(s: str, font: str, limit: float, suffix: str = "") -> int:
    """Length of the longest prefix of ``s`` whose width at size 1, plus suffix, fits."""
    lo, hi = 1, len(s)
    if stringWidth(s[:1] + suffix, font, 1) > limit:
        return 1 if not suffix else 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if stringWidth(s[:mid].rstrip() + suffix, font, 1) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _ellipsise(s: str, font: str, size: float, width: float) -> str:
    if stringWidth(s, font, size) <= width:
        return s
    cut = _longest_prefix(s, font, width / size, ELLIPSIS)
    if cut:
        return s[:cut].rstrip(" ,;:-–—") + ELLIPSIS
    return ELLIPSIS if stringWidth(ELLIPSIS, font, size) <= width else ""


def lines_height(font: str, size: float, lines: int, leading: float = 1.15) -> float:
    """Height of ``lines`` lines: first line's ascent to last line's descent."""
    if lines <= 0:
        return 0.0
    ascent, descent = getAscentDescent(font, size)
    return ascent - descent + (lines - 1) * leading * size


def block_height(fitted: FittedText, font: str, leading: float = 1.15) -> float:
    """Height ``draw_fitted`` uses for ``fitted``."""
    return lines_height(font, fitted.size, len(fitted.lines), leading)


def draw_fitted(
    canvas,
    fitted: FittedText,
    font: str,
    x: float,
    top: float,
    width: float,
    align: str = "left",
    leading: float = 1.15,
) -> float:
    """Draw the lines below ``top`` in the box [x, x + width]; return the block's bottom."""
    if not fitted.lines:
        return top
    size = fitted.size
    ascent, descent = getAscentDescent(font, size)
    canvas.setFont(font, size)
    y = top - ascent
    for line, w in zip(fitted.lines, fitted.widths, strict=True):
        if align == "center":
            canvas.drawString(x + (width - w) / 2, y, line)
        elif align == "right":
            canvas.drawString(x + width - w, y, line)
        else:
            canvas.drawString(x, y, line)
        y -= leading * size
    return y + leading * size + descent
