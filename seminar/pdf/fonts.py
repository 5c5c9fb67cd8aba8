"""PT Sans and PT Serif, registered with reportlab once per process."""

from __future__ import annotations

import threading

import fontpkg_pt_sans
import fontpkg_pt_serif
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SANS = "PTSans"
SANS_BOLD = "PTSans-Bold"
SERIF = "PTSerif"
SERIF_BOLD = "PTSerif-Bold"

_FILES = {
    SANS: fontpkg_pt_sans.ROOT / "files" / "PT_Sans-Web-Regular.ttf",
    SANS_BOLD: fontpkg_pt_sans.ROOT / "files" / "PT_Sans-Web-Bold.ttf",
    SERIF: fontpkg_pt_serif.ROOT / "files" / "PT_Serif-Web-Regular.ttf",
    SERIF_BOLD: fontpkg_pt_serif.ROOT / "files" / "PT_Serif-Web-Bold.ttf",
}

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the four faces with reportlab; later calls do nothing.

    Parsing a TrueType file costs ~0.1 s, so this must not run per document.
    Reportlab embeds only the glyphs a document uses, once per font.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, path in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD, italic=SANS, boldItalic=SANS_BOLD)
        pdfmetrics.registerFontFamily(SERIF, normal=SERIF, bold=SERIF_BOLD, italic=SERIF, boldItalic=SERIF_BOLD)
        _registered = True
