"""The hosts an installation answers to: its public address, the addresses `make run` serves on,
and SEMINAR_TRUSTED_HOSTS. A request for any other Host (or X-Forwarded-Host behind a proxy) is
refused with 400 (Flask's TRUSTED_HOSTS), so no link is ever built from a host an attacker chose.
"""
from __future__ import annotations

import socket
from collections.abc import Mapping
from urllib.parse import urlsplit

#: Always trusted: the machine itself. (Werkzeug cannot match IPv6 literals: serve on IPv4.)
LOOPBACK = ("127.0.0.1", "localhost")
#: Bind addresses meaning "every interface of this machine".
ALL_INTERFACES = ("0.0.0.0", "::", "")


def machine_addresses() -> list[str]:
    """This machine's own addresses: loopback, its name, and its address on the local network."""
    addresses = set(LOOPBACK)
    name = socket.gethostname()
    addresses.update({name.lower(), f"{name.lower()}.local"})
    try:
        for info in socket.getaddrinfo(name, None, family=socket.AF_INET):
            addresses.add(str(info[4][0]))
    except OSError:
        pass
    if lan := lan_address():
        addresses.add(lan)
    addresses.update(_interface_addresses())
    return sorted(addresses)


def _interface_addresses() -> set[str]:
    """The IPv4 address of every network interface (Linux; elsewhere nothing, SEMINAR_TRUSTED_HOSTS
    then names the others)."""
    try:
        import fcntl
        import struct
    except ImportError:
        return set()
    found = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _index, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))  # SIOCGIFADDR
            except OSError:
                continue  # an interface without an IPv4 address
            found.add(socket.inet_ntoa(packed[20:24]))
    return found


def lan_address() -> str | None:
    """The machine's address on the local network, which phones at the venue reach (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
    except OSError:
        return None


def _host_of(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url if "//" in url else f"//{url}").hostname
    return host.lower() if host else None


def split_hosts(value: str | None) -> list[str]:
    """A comma- or space-separated list of host names (SEMINAR_TRUSTED_HOSTS, SEMINAR_SERVE_HOSTS)."""
    return [h.strip().lower() for h in (value or "").replace(",", " ").split() if h.strip()]


def trusted_hosts(config: Mapping) -> list[str]:
    """Hosts a request may name: the public URL's, the serving addresses, the configured extras."""
    hosts = list(LOOPBACK)
    for url in (config.get("PUBLIC_URL"), config.get("SERVE_URL"), config.get("SERVER_NAME")):
        if host := _host_of(url):
            hosts.append(host)
    hosts += config.get("SERVE_HOSTS") or []
    hosts += config.get("EXTRA_TRUSTED_HOSTS") or []
    return sorted({h for h in hosts if ":" not in h})
