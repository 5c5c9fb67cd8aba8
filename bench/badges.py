"""Badge PDF benchmark: ``python -m bench.badges [--n 1000]``.

Renders N attendees with Cyrillic names 4 per A4 with our renderer and with the
naive floor (bench/floor_badges.py) in the same run, medians of 3, and checks
that the QR codes decode.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time

import pypdfium2
import zxingcpp
from pypdf import PdfReader

from bench.floor_badges import render_floor
from seminar.badges.render import ROLES, BadgeData, render_badges
from seminar.pdf.fonts import register_fonts

PRETIX = {"seconds": 113.7, "mb": 53.4, "pages": 250}  # docs/performance.md, 4 per A4, 1,000 badges
FLOOR_IN_ANCHORS = 5.7  # seconds, the same floor measured alongside pretix
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32

SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
            "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
            "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
            "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв",
            "Константинопольский-Преображенский", "Рождественский", "Ли", "Цой"]
MALE = ["Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл", "Михаил"]
FEMALE = ["Анастасия", "Мария", "Анна", "Виктория", "Екатерина", "Наталья", "Марина", "Александра", "Ольга"]
FATHERS = ["Александров", "Владиславов", "Сергеев", "Иванов", "Петров", "Николаев", "Андреев", "Юрьев"]
MUNICIPALITIES = ["Благовещенский муниципальный округ", "Константиновский муниципальный округ", "город Тында",
                  "Свободненский район", "город Зея", "Ивановский муниципальный округ", "город Белогорск"]
ORGANIZATIONS = ["Администрация Благовещенского муниципального округа Амурской области",
                 "МКУ «Центр цифровых технологий»", "Городская дума", "", "Отдел образования администрации района"]
POSITIONS = ["Глава", "Заместитель главы администрации города по информационным технологиям и цифровой трансформации",
             "Начальник отдела", "Главный специалист", "Депутат", ""]
EVENT = "Региональный форум «Цифровая трансформация муниципального управления» — 2026"


def attendees(n: int, seed: int = 2026) -> list[BadgeData]:
    rnd = random.Random(seed)
    roles = list(ROLES)
    out = []
    for _ in range(n):
        female = rnd.random() < 0.5
        last = rnd.choice(SURNAMES)
        last = last + "а" if female and last.endswith(("ов", "ёв", "ев", "ин")) else last
        first = rnd.choice(FEMALE if female else MALE)
        middle = rnd.choice(FATHERS) + ("на" if female else "ич")
        out.append(BadgeData(
            event_title=EVENT, last_name=last, first_name=first, middle_name=middle,
            position=rnd.choice(POSITIONS), organization=rnd.choice(ORGANIZATIONS),
            municipality=rnd.choice(MUNICIPALITIES), role=rnd.choices(roles, weights=[80, 8, 6, 3, 3])[0],
            badge_code="".join(rnd.choice(ALPHABET) for _ in range(32)),
        ))
    return out


def timed(fn, runs: int = 3) -> tuple[float, bytes]:
    times, pdf = [], b""
    for _ in range(runs):
        start = time.perf_counter()
        pdf = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), pdf


def decoded_codes(pdf: bytes, pages: list[int], dpi: int = 150) -> list[str]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        found = []
        for i in pages:
            image = doc[i].render(scale=dpi / 72).to_pil()
            found += [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
        return found
    finally:
        doc.close()


def rl_accel() -> bool:
    try:
        import _rl_accel  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--sample", action="store_true", help="decode every 10th page, not all of them")
    args = parser.parse_args()

    people = attendees(args.n)
    floor_rows = [(f"{b.first_name} {b.last_name}", b.municipality, b.badge_code) for b in people]
    register_fonts()  # once per process, outside the timings, for both

    ours_s, ours = timed(lambda: render_badges(people, "a6"))
    floor_s, floor = timed(lambda: render_floor(floor_rows))
    ours_pages, floor_pages = len(PdfReader(io.BytesIO(ours)).pages), len(PdfReader(io.BytesIO(floor)).pages)

    sample = sorted({0, ours_pages - 1, *range(0, ours_pages, 10)}) if args.sample else list(range(ours_pages))
    expected = [b.badge_code for i in sample for b in people[4 * i: 4 * i + 4]]
    start = time.perf_counter()
    got = decoded_codes(ours, sample)
    decode_s = time.perf_counter() - start
    floor_sample = sample[:5]
    floor_ok = sorted(decoded_codes(floor, floor_sample)) == sorted(
        b.badge_code for i in floor_sample for b in people[4 * i: 4 * i + 4])

    mb = lambda pdf: len(pdf) / 1e6  # noqa: E731
    print(f"{args.n} badges, 4 per A4 (layout 'a6'); median of 3; rl_accel importable: {rl_accel()}")
    print(f"{'':<28}{'seconds':>9}{'pages':>7}{'MB':>8}")
    print(f"{'ours (seminar.badges)':<28}{ours_s:>9.2f}{ours_pages:>7}{mb(ours):>8.2f}")
    print(f"{'floor (bench/floor_badges)':<28}{floor_s:>9.2f}{floor_pages:>7}{mb(floor):>8.2f}")
    print(f"{'pretix (docs/performance.md)':<28}{PRETIX['seconds']:>9.1f}{PRETIX['pages']:>7}{PRETIX['mb']:>8.1f}")
    print(f"ratio ours/floor: {ours_s / floor_s:.2f} time, {mb(ours) / mb(floor):.2f} size"
          "   (target <= 1.5; docs/performance.md aims ~0.35)")
    if args.n == 1000:
        pretix_ratio = PRETIX["seconds"] / FLOOR_IN_ANCHORS
        print(f"vs pretix: pretix/floor = {PRETIX['seconds']}/{FLOOR_IN_ANCHORS} = {pretix_ratio:.1f} "
              "(docs/performance.md), "
              f"ours/floor = {ours_s / floor_s:.2f} -> ~{pretix_ratio / (ours_s / floor_s):.0f}x faster than pretix, "
              f"{PRETIX['mb'] / mb(ours):.0f}x smaller")
    ok = sorted(got) == sorted(expected)
    print(f"QR check: {len(got)}/{len(expected)} codes decoded on {len(sample)} of {ours_pages} pages "
          f"in {decode_s:.1f} s: {'all match' if ok else 'MISMATCH'}; floor sample: {'ok' if floor_ok else 'MISMATCH'}")
    targets = ours_s <= 2 and mb(ours) <= 5 and ours_s <= 1.5 * floor_s and ok
    print(f"targets (<= 2 s, <= 5 MB, <= 1.5x floor, every QR decodes): {'met' if targets else 'NOT met'}")
    raise SystemExit(0 if targets else 1)


if __name__ == "__main__":
    main()
