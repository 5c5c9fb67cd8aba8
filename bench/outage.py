"""A real PostgreSQL restart for the soak (``python -m bench.soak --restart-postgres``).

`restart` runs ``pg_ctlcluster <version> <cluster> restart`` (the cluster that listens on the
soak's port, found with ``pg_lsclusters``; it needs root or the postgres user) and records when
it went down and when ``pg_isready`` first answered again. `judge` then holds the requests of the
run against that window: a 503 is only allowed for a request that overlapped the window plus
GRACE seconds, each 503 must carry Retry-After, and after the window both app servers must
answer again (the same processes: the app reconnects by itself). `ensure_running` is the safety
net: PostgreSQL is running when the soak ends, whatever happened.
"""
from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

#: Seconds after PostgreSQL answers again during which a 503 is still accepted (pool re-ping, a request in flight).
GRACE = 5.0
#: Longest a restart, or PostgreSQL's coming back, may take.
RESTART_DEADLINE = 120.0
#: The server's own account in its log (Debian's default log_line_prefix "%m [%p] ", times in UTC).
SERVER_SAYS = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) UTC \[\d+\] LOG:  "
                         r"(received \w+ shutdown request|database system is ready to accept connections)")


@dataclass
class Outage:
    """When the restart began (down), when pg_ctlcluster returned and when pg_isready answered (up)."""

    version: str
    cluster: str
    log: Path | None = None
    log_offset: int = 0
    down: float | None = None
    returned: float | None = None
    up: float | None = None
    message: str = ""

    @property
    def name(self) -> str:
        return f"{self.version} {self.cluster}"

    def window(self) -> tuple[float, float] | None:
        if self.down is None or self.up is None:
            return None
        return self.down, self.up + GRACE

    def describe(self, phase_start: float) -> str:
        if self.down is None:
            return "PostgreSQL was not restarted"
        if self.up is None or self.returned is None:
            return f"PostgreSQL {self.name} restarted and did NOT come back in time: {self.message}"
        told = (f"down {clock(self.down)}, pg_ctlcluster returned {self.returned - self.down:.1f} s later, "
                f"up (pg_isready) {clock(self.up)} = {self.up - self.down:.1f} s after; "
                f"503 accepted until {GRACE:.0f} s after up")
        if server := self.server_times():
            told += (f"; the server's log: shutdown request {clock(server[0])} (+{server[0] - self.down:.1f} s), "
                     f"ready {clock(server[1])} (+{server[1] - self.down:.1f} s)")
        return f"PostgreSQL {self.name} restarted at +{self.down - phase_start:.1f} s of the doors phase: {told}"

    def server_times(self) -> tuple[float, float] | None:
        """(shutdown request, ready again) from the cluster's log, written after the restart began."""
        if self.log is None:
            return None
        try:
            with self.log.open("rb") as f:
                f.seek(self.log_offset)
                text = f.read(64 * 1024 * 1024).decode("utf-8", "replace")
        except OSError:
            return None
        stop = ready = None
        for line in text.splitlines():
            if found := SERVER_SAYS.match(line):
                moment = datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC).timestamp()
                if found[2].startswith("received") and stop is None:
                    stop = moment
                elif found[2].startswith("database") and stop is not None:
                    ready = moment
                    break
        return (stop, ready) if stop is not None and ready is not None else None


def clock(moment: float) -> str:
    return datetime.fromtimestamp(moment).strftime("%H:%M:%S.%f")[:-5]


def find_cluster(port: int) -> Outage:
    """The cluster that listens on `port`, from pg_lsclusters (version, name, port, status…)."""
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, timeout=10,
                         check=True).stdout
    for line in out.splitlines():
        version, cluster, cluster_port, *rest = line.split()
        if int(cluster_port) == port:
            return Outage(version, cluster, Path(rest[-1]) if len(rest) >= 4 else None)
    raise SystemExit(f"no PostgreSQL cluster on port {port} in pg_lsclusters:\n{out}")


def is_ready(host: str, port: int) -> bool:
    return subprocess.run(["pg_isready", "-h", host, "-p", str(port), "-t", "2"], capture_output=True,
                          timeout=10).returncode == 0


def restart(outage: Outage, host: str, port: int) -> None:
    """Restart the cluster for real and wait until it accepts connections again."""
    if outage.log is not None and outage.log.exists():
        outage.log_offset = outage.log.stat().st_size
    outage.down = time.time()
    result = subprocess.run(["pg_ctlcluster", outage.version, outage.cluster, "restart"],
                            capture_output=True, text=True, timeout=RESTART_DEADLINE)
    outage.returned = time.time()
    outage.message = (result.stdout + result.stderr).strip()
    while time.time() < outage.down + RESTART_DEADLINE:
        if is_ready(host, port):
            outage.up = time.time()
            return
        time.sleep(0.1)
    ensure_running(outage, host, port)


def ensure_running(outage: Outage, host: str, port: int) -> str:
    """PostgreSQL must be up when the soak ends: start the cluster if pg_isready gets no answer."""
    if is_ready(host, port):
        return "PostgreSQL is accepting connections"
    subprocess.run(["pg_ctlcluster", outage.version, outage.cluster, "start"], capture_output=True,
                   timeout=RESTART_DEADLINE)
    for _ in range(100):
        if is_ready(host, port):
            return "PostgreSQL was down at the end and has been started again"
        time.sleep(0.5)
    return "PostgreSQL is NOT accepting connections (pg_ctlcluster start did not bring it back)"


def judge(outage: Outage | None, phases: dict[str, list[tuple[float, float, int, str]]],
          served: list[tuple[float, int]], ports: list[int]) -> list[str]:
    """Problems with the 503s of the run (each phase's (sent, answered, port, Retry-After))."""
    problems = []
    window = outage.window() if outage is not None else None
    for phase, answers in phases.items():
        if window is None:
            outside = answers
        else:
            outside = [a for a in answers if a[0] > window[1] or a[1] < window[0]]
        if outside:
            problems.append(f"{phase}: {len(outside)} × 503 outside the restart window")
        if missing := [a for a in answers if not a[3]]:
            problems.append(f"{phase}: {len(missing)} × 503 without Retry-After")
    if outage is not None:
        if window is None:
            problems.append(outage.describe(0.0))
        else:
            after = {port for sent, port in served if sent > window[1]}
            if missed := [p for p in ports if p not in after]:
                problems.append(f"no request answered after the restart window by the app server(s) on {missed}")
    return problems
