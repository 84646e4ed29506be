"""Outbound HTTP that can reach only the public internet: no request forgery through Carnet.

A push endpoint is an address someone else chose, and the server POSTs to it. Checking the
URL's text is not enough: `https://127.1/`, `https://0x7f.1/`, `https://localhost./` and any DNS
name that resolves (or later re-resolves) to an internal address all reach this machine. So the
check happens where the connection is made: the host name is resolved once, every address is
checked, and the socket connects to a checked address (no second lookup that could answer
differently). TLS still verifies the certificate against the host name.
"""

from __future__ import annotations

import ipaddress
import socket

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util import connection


def is_public(address: str) -> bool:
    """A globally routable unicast address: not loopback, private, link-local, shared, reserved or multicast."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") is link-local anyway
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # "::ffff:127.0.0.1" is 127.0.0.1
    return ip.is_global and not ip.is_multicast


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


class _Checked:
    """Resolve, check every address, connect to a checked one."""

    allow_loopback = False  # the tests' local push service, over plain HTTP, in CARNET_ENV=test only

    def _new_conn(self) -> socket.socket:
        try:
            found = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise NewConnectionError(self, f"cannot resolve {self.host}") from exc
        allowed = is_loopback if self.allow_loopback else is_public
        addresses = [info[4][0] for info in found]
        # Every address the name has must be public: a name with one internal address is refused whole.
        if not addresses or not all(allowed(a) for a in addresses):
            raise NewConnectionError(self, f"{self.host} is not a public address")
        try:
            return connection.create_connection((addresses[0], self.port), self.timeout,
                                                source_address=self.source_address, socket_options=self.socket_options)
        except OSError as exc:
            raise NewConnectionError(self, f"cannot connect to {self.host}") from exc


class _PublicHTTPConnection(_Checked, HTTPConnection):
    pass


class _PublicHTTPSConnection(_Checked, HTTPSConnection):
    pass


class _LoopbackHTTPConnection(_Checked, HTTPConnection):
    allow_loopback = True


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _LoopbackHTTPPool(HTTPConnectionPool):
    ConnectionCls = _LoopbackHTTPConnection


class _Adapter(HTTPAdapter):
    def __init__(self, *, loopback_http: bool) -> None:
        self.loopback_http = loopback_http
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        http = _LoopbackHTTPPool if self.loopback_http else _PublicHTTPPool
        self.poolmanager.pool_classes_by_scheme = {"http": http, "https": _PublicHTTPSPool}


def public_session(*, loopback_http: bool = False) -> requests.Session:
    """A requests session whose every connection goes to a public address (or, in tests, plain HTTP on loopback)."""
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the address checked is the address reached
    adapter = _Adapter(loopback_http=loopback_http)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
