"""The organiser's pictures for certificates (logo, background, scanned signature), checked by content.

Only PNG and JPEG are opened (Pillow is told so), whatever the file is called; a file
larger than 5 MB or 25 megapixels is refused before it is decoded in full.
"""
from __future__ import annotations

import io
import warnings

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000
PNG = ("PNG",)
PNG_OR_JPEG = ("PNG", "JPEG")


class ImageRejected(ValueError):
    """The upload cannot be used; ``message`` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def read_limited(stream, limit: int = MAX_BYTES) -> bytes:
    """At most ``limit`` bytes of an upload; raises ImageRejected if there are more."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ImageRejected(_l("Файл больше %(mb)s МБ. Уменьшите его и загрузите снова.", mb=limit // 2**20))
    return data


def check_image(data: bytes, formats: tuple[str, ...] = PNG_OR_JPEG) -> tuple[int, int]:
    """(width, height) of a PNG or JPEG that is whole and within the limits; else ImageRejected."""
    if len(data) > MAX_BYTES:
        raise ImageRejected(_l("Файл больше %(mb)s МБ. Уменьшите его и загрузите снова.", mb=MAX_BYTES // 2**20))
    names = "/".join(formats)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=formats) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ImageRejected(_l("Изображение %(w)s×%(h)s больше 25 мегапикселей. Уменьшите его.",
                                           w=width, h=height))
                image.load()  # a truncated or corrupt file fails here, not while printing
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(_l("Изображение больше 25 мегапикселей. Уменьшите его.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageRejected):
            raise
        raise ImageRejected(_l("Это не изображение %(formats)s (или файл повреждён).", formats=names)) from None
    if width < 1 or height < 1:
        raise ImageRejected(_l("Это не изображение %(formats)s (или файл повреждён).", formats=names))
    return width, height
