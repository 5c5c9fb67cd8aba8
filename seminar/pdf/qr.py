"""QR codes drawn as vector modules: one path, filled once.

``qrcode``'s ``make(fit=True)`` tries every version and then scores all 8 masks,
which dominates badge rendering. We compute the smallest version that holds the
data at level M arithmetically and use one fixed mask: decoders read any mask.
Within that version we then take the strongest error-correction level the data
still fits (a 28-character badge code: version 2 at Q, 25 modules), so a blurred,
tilted phone photo still reads without making the modules any smaller.
Badge codes use only characters of the QR alphanumeric mode, 5.5 bits each.
"""

from __future__ import annotations

from functools import lru_cache

from qrcode import constants
from qrcode.main import QRCode
from qrcode.util import BIT_LIMIT_TABLE, QRData, length_in_bits

QUIET_ZONE = 4  #: modules of white around the symbol, as ISO/IEC 18004 requires
ERROR_CORRECTION = constants.ERROR_CORRECT_M  #: the weakest level we accept; it sets the version
STRONGER = (constants.ERROR_CORRECT_H, constants.ERROR_CORRECT_Q)  #: tried, strongest first
MASK = 2  #: any fixed mask decodes; this one never made a 32-char code fail in our tests
_MODE_BITS = 4


@lru_cache(maxsize=64)
def _version_and_level(mode: int, length: int, data_bits: int) -> tuple[int, int]:
    """The smallest version holding the data at level M, and the strongest level it holds it at."""
    for version in range(1, 41):
        bits = _MODE_BITS + length_in_bits(mode, version) + data_bits
        if bits <= BIT_LIMIT_TABLE[ERROR_CORRECTION][version]:
            level = next((lv for lv in STRONGER if bits <= BIT_LIMIT_TABLE[lv][version]), ERROR_CORRECTION)
            return version, level
    raise ValueError("data does not fit in a QR code")


def _data_bits(data: QRData) -> int:
    n = len(data)
    if data.mode == 1:  # numeric: 10 bits per 3 digits
        return 10 * (n // 3) + (0, 4, 7)[n % 3]
    if data.mode == 2:  # alphanumeric: 11 bits per 2 chars
        return 11 * (n // 2) + 6 * (n % 2)
    return 8 * n


def qr_matrix(text: str) -> list[list[bool]]:
    """The module matrix (row 0 on top, no quiet zone) encoding ``text``."""
    data = QRData(text)
    version, level = _version_and_level(data.mode, len(data), _data_bits(data))
    qr = QRCode(version=version, error_correction=level, border=0, mask_pattern=MASK)
    qr.add_data(data)
    qr.make(fit=False)
    return qr.modules


def dark_runs(modules: list[list[bool]]):
    """(row, first column, length) of every horizontal run of dark modules."""
    for r, row in enumerate(modules):
        c, n = 0, len(row)
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                yield r, start, c - start
            else:
                c += 1


def qr_path(modules: list[list[bool]]) -> str:
    """PDF path operators in module units (origin bottom-left of the symbol):
    one ``re`` per horizontal run of dark modules, one fill for all."""
    top = len(modules) - 1
    ops = [f"{start} {top - r} {length} 1 re" for r, start, length in dark_runs(modules)]
    ops.append("f")
    return "\n".join(ops)


def draw_qr(canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw ``text`` as a QR code filling the square (x, y, size, size) in points,
    quiet zone included; black modules on the page background."""
    modules = qr_matrix(text)
    module = size / (len(modules) + 2 * QUIET_ZONE)
    offset = QUIET_ZONE * module
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.transform(module, 0, 0, module, x + offset, y + offset)
    canvas.addLiteral(qr_path(modules))
    canvas.restoreState()
