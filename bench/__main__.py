"""`make bench`: every benchmark, each beside its floor in the same run.

    python -m bench            # badges, check-in, then certificates
    python -m bench.badges     # one of them
    python -m bench.checkin
"""
from __future__ import annotations

import subprocess
import sys

BENCHMARKS = ("bench.badges", "bench.checkin", "bench.scale", "bench.certificates", "bench.broadcast")


def main() -> int:
    failed = 0
    for module in BENCHMARKS:
        print(f"\n=== {module} ===", flush=True)
        failed += subprocess.call([sys.executable, "-m", module]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
