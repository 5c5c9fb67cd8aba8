"""Bar charts drawn by the app as inline SVG: no chart script, nothing from another host."""
from __future__ import annotations

from markupsafe import Markup, escape

ROW = 28
LABEL_WIDTH = 180
BAR_WIDTH = 220
COUNT_WIDTH = 70


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(counts: list[tuple[str, int]], title: str, total: int | None = None) -> Markup:
    """Horizontal bars, one per option, with the count and share (of `total`, default all counts)."""
    total = total or sum(n for _, n in counts) or 1
    top = max((n for _, n in counts), default=0) or 1
    width = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH
    height = ROW * len(counts) + 4
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">']
    for index, (label, n) in enumerate(counts):
        y = index * ROW + 2
        bar = round(BAR_WIDTH * n / top) if n else 0
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 18}" text-anchor="end" class="chart-label">'
            f"<title>{escape(label)}</title>{escape(_short(label))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{BAR_WIDTH}" height="{ROW - 8}" class="chart-track"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{bar}" height="{ROW - 8}" class="chart-bar"/>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 18}" class="chart-count">'
            f"{n} · {round(100 * n / total)}%</text>")
    parts.append("</svg>")
    return Markup("".join(parts))
