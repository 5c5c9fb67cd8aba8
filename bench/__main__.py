"""`make bench`: every benchmark, each beside its floor in the same run.

    python -m bench            # all of them, in the order of BENCHMARKS
    python -m bench.badges     # one of them
    python -m bench.checkin

Not in BENCHMARKS, each taking several minutes (docs/performance.md): `python -m bench.soak`
(PostgreSQL and Redis) and `python -m bench.checkin_during_badges` (door scans while a
20,000-badge PDF builds; seeding the 20,000 registrations alone takes 3–8 minutes here).
"""
from __future__ import annotations

import subprocess
import sys

#: Each with its arguments: the check-in API as pretix was measured (2 sync workers) and as
#: `make run` ships it (gthread 2 × 8); registration in the shipped and a tuned set-up; door scans
#: during a registration burst.
BENCHMARKS = (("bench.badges",), ("bench.checkin",), ("bench.checkin", "--setup", "shipped"),
              ("bench.registration",), ("bench.checkin_during_registration",), ("bench.scale",),
              ("bench.certificates",), ("bench.broadcast",))


def main() -> int:
    failed = 0
    for module, *args in BENCHMARKS:
        print(f"\n=== {module} {' '.join(args)} ===", flush=True)
        failed += subprocess.call([sys.executable, "-m", module, *args]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
