"""E-mails people can read: each message's text comes from one template (templates/mail/*.txt);
its HTML part is that same text laid out by templates/mail/layout.html, escaped, with links
made clickable and the badge QR shown in place."""
from __future__ import annotations

import io
import re

from flask import render_template
from markupsafe import Markup, escape
from PIL import Image

from ..mail import Attachment
from ..pdf.qr import QUIET_ZONE, qr_matrix

_URL = re.compile(r"https?://[^\s<>\"«»]+[^\s<>\"«».,;:!?)]")


def _linkify(line: str) -> Markup:
    out, last = [], 0
    for match in _URL.finditer(line):
        out.append(escape(line[last:match.start()]))
        url = escape(match.group(0))
        out.append(Markup(f'<a href="{url}">{url}</a>'))
        last = match.end()
    out.append(escape(line[last:]))
    return Markup("").join(out)


def paragraphs(text: str) -> list[Markup]:
    """The text's paragraphs (split on blank lines) as escaped HTML, lines kept, links clickable."""
    blocks = re.split(r"\n\s*\n", text.strip())
    return [Markup("<br>\n").join(_linkify(line) for line in block.splitlines()) for block in blocks if block]


def html_from_text(text: str, *, subject: str, images: tuple = ()) -> str:
    """The HTML part of a message whose text part is `text`."""
    inline = [a for a in images if isinstance(a, Attachment) and a.cid]
    return render_template("mail/layout.html", subject=subject, paragraphs=paragraphs(text), images=inline)


def render_text(template: str, **context: object) -> str:
    """A message's text from templates/mail/<template>.txt (plain text: nothing is escaped)."""
    text = render_template(f"mail/{template}.txt", **context)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def qr_png(text: str, module: int = 6) -> bytes:
    """A QR code as a PNG with its quiet zone, `module` pixels per module."""
    modules = qr_matrix(text)
    size = len(modules) + 2 * QUIET_ZONE
    image = Image.new("1", (size, size), 1)
    pixels = image.load()
    for r, row in enumerate(modules):
        for c, dark in enumerate(row):
            if dark:
                pixels[c + QUIET_ZONE, r + QUIET_ZONE] = 0  # type: ignore[index]
    buffer = io.BytesIO()
    image.resize((size * module, size * module), Image.Resampling.NEAREST).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
