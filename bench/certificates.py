"""Certificate PDF benchmark: ``python -m bench.certificates [--n 1000] [--runs 3]``.

Renders N certificates (A4 landscape, one per page) with our renderer, without and with a
full-page background (a 300-dpi A4 JPEG and the same as PNG), beside a bare reportlab floor
(bench/floor_certificates.py) in the same run; medians of ``--runs``. Also times the dative
names for N people (the service's share) and a ZIP of one PDF per person for a tenth of them,
and checks that the QR codes on sampled pages decode to their verification URLs.
"""
from __future__ import annotations

import argparse
import io
import statistics
import time
import zipfile
from datetime import date

import pypdfium2
import zxingcpp
from PIL import Image, ImageDraw

from bench.badges import attendees
from bench.floor_certificates import render_floor
from seminar.certificates.names import dative_name
from seminar.certificates.pdf import CertificateData, CertificateDesign, render_certificates
from seminar.pdf.fonts import register_fonts

EVENT = "Работа муниципальных образований в социальных сетях: новая реальность"
TALK = "Госпаблики: как вести страницу администрации"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def certificates(n: int) -> list[CertificateData]:
    """N certificates of generated people; every tenth a speaker with a talk; names as printed."""
    out = []
    for i, person in enumerate(attendees(n)):
        code = "".join(ALPHABET[(i * 7 + k * 13) % len(ALPHABET)] for k in range(28))
        full = " ".join((person.last_name, person.first_name, person.middle_name))
        speaker = i % 10 == 0
        out.append(CertificateData(
            code=code, verify_url=f"https://forum.example.ru/verify/{code}", full_name=full,
            name_line=full, kind="speaker" if speaker else "participant",
            wording=(f"за выступление с докладом «{TALK}» на мероприятии «{EVENT}»"
                     if speaker else f"за участие в мероприятии «{EVENT}»"),
            event_title=EVENT, starts_on=date(2022, 8, 30), ends_on=date(2022, 8, 30), city="Белогорск",
            organiser="Ассоциация «Совет муниципальных образований Амурской области»", issued_on=date(2022, 8, 31),
            number=f"БЛГ-2022-{i + 1:04}", hours=6, signatory_name="А. В. Петров",
            signatory_position="Председатель Ассоциации"))
    return out


def background(fmt: str) -> bytes:
    """A 3508×2480 (A4 at 300 dpi) design: a tinted page, a few frames, a light medallion."""
    image = Image.new("RGB", (3508, 2480), (250, 246, 235))
    draw = ImageDraw.Draw(image)
    for k in range(0, 120, 24):
        draw.rectangle((80 + k, 80 + k, 3428 - k, 2400 - k), outline=(150, 110, 60), width=8)
    draw.ellipse((1354, 840, 2154, 1640), fill=(244, 236, 215))
    out = io.BytesIO()
    image.save(out, fmt, quality=88) if fmt == "JPEG" else image.save(out, fmt)
    return out.getvalue()


def timed(fn, runs: int) -> tuple[float, bytes]:
    times, result = [], b""
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def decoded(pdf: bytes, pages: list[int]) -> list[str]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [r.text for i in pages for r in zxingcpp.read_barcodes(
            doc[i].render(scale=150 / 72).to_pil(), formats=zxingcpp.BarcodeFormat.QRCode)]
    finally:
        doc.close()


def zip_of(items: list[CertificateData], design: CertificateDesign) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for i, item in enumerate(items):  # the app's write_zip dedupes names; numbering does here
            archive.writestr(f"{item.full_name} {i + 1}.pdf", render_certificates([item], design))
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    items = certificates(args.n)
    jpeg, png = background("JPEG"), background("PNG")
    register_fonts()  # once per process, outside the timings, for all
    rows = [(c.full_name, c.event_title, c.verify_url) for c in items]

    results = []
    for label, design, floor_image in (
        ("no background", CertificateDesign(), None),
        (f"background JPEG {len(jpeg) / 1e6:.2f} MB", CertificateDesign(background=jpeg), jpeg),
        (f"background PNG {len(png) / 1e6:.2f} MB", CertificateDesign(background=png), png),
    ):
        ours_s, ours = timed(lambda d=design: render_certificates(items, d), args.runs)
        floor_s, floor = timed(lambda b=floor_image: render_floor(rows, b), args.runs)
        results.append((label, ours_s, len(ours), floor_s, len(floor), ours))

    names = [(c.full_name.split(" ") + ["", "", ""])[:3] for c in items]
    start = time.perf_counter()
    for last, first, middle in names:
        dative_name(last, first, middle)
    names_s = time.perf_counter() - start

    tenth = items[: max(1, args.n // 10)]
    zip_s, archive = timed(lambda: zip_of(tenth, CertificateDesign(background=jpeg)), 1)

    print(f"{args.n} certificates, A4 landscape, one per page; median of {args.runs}")
    print(f"{'':<34}{'ours s':>8}{'MB':>8}{'floor s':>9}{'MB':>8}{'ours/floor':>12}")
    for label, ours_s, ours_b, floor_s, floor_b, _pdf in results:
        print(f"{label:<34}{ours_s:>8.2f}{ours_b / 1e6:>8.2f}{floor_s:>9.2f}{floor_b / 1e6:>8.2f}"
              f"{ours_s / floor_s:>12.2f}")
    print(f"dative names for {args.n} people (pytrovich, the service's share): {names_s:.2f} s")
    print(f"ZIP of {len(tenth)} PDFs (one per person, JPEG background in each): {zip_s:.2f} s, "
          f"{len(archive) / 1e6:.1f} MB")

    ok = True
    for label, *_rest, pdf in results:
        pages = sorted({0, args.n // 2, args.n - 1})
        got = decoded(pdf, pages)
        want = [items[i].verify_url for i in pages]
        ok &= got == want
        print(f"QR check ({label}): {len(got)}/{len(want)} sampled pages decode to their URL: "
              f"{'ok' if got == want else 'MISMATCH'}")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
