"""DATABASE_URL's query for PostgreSQL, written as libpq takes it (`?sslmode=require`, the options a DBA adds first),
given to asyncpg as its own connect arguments: SQLAlchemy's asyncpg dialect hands each query parameter to
asyncpg.connect() by name, and asyncpg knows none of libpq's (`connect() got an unexpected keyword argument
'sslmode'`, a traceback). Any parameter Carnet does not translate is refused, named, before a connection is tried."""

from __future__ import annotations

import ssl
from typing import Any

from sqlalchemy.engine import URL, make_url

# libpq's sslmode values (https://www.postgresql.org/docs/current/libpq-ssl.html, table 34.1), in order of strength.
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
SUPPORTED = ("sslmode", "sslrootcert", "sslcert", "sslkey", "application_name", "connect_timeout")


class UnusableOption(ValueError):
    """A query parameter of DATABASE_URL Carnet cannot pass on: its French sentence names it (never the password)."""


def asyncpg_arguments(url: str | URL) -> tuple[URL, dict[str, Any]]:
    """The URL without its query, and asyncpg.connect()'s arguments the query asked for."""
    url = make_url(url)
    query = {name: _single(name, value) for name, value in url.query.items()}
    # asyncpg's own name for it, which its documentation (and an earlier README's advice) gives
    if "ssl" in query:
        if "sslmode" in query:
            raise UnusableOption("DATABASE_URL : donnez sslmode ou ssl, pas les deux.")
        query["sslmode"] = query.pop("ssl")
    for name in query:
        if name not in SUPPORTED:
            raise UnusableOption(f"DATABASE_URL : paramètre « {name} » non pris en charge par Carnet ; il prend "
                                 f"{', '.join(SUPPORTED)} (comme libpq).")
    arguments: dict[str, Any] = {}
    if "application_name" in query:
        arguments["server_settings"] = {"application_name": query["application_name"]}
    if "connect_timeout" in query:
        arguments["timeout"] = _seconds(query["connect_timeout"])
    mode = query.get("sslmode")
    if mode is not None and mode not in SSL_MODES:
        raise UnusableOption(f"DATABASE_URL : sslmode={mode} inconnu ; il prend {', '.join(SSL_MODES)}.")
    files = {name: query[name] for name in ("sslrootcert", "sslcert", "sslkey") if name in query}
    if files and SSL_MODES.index(mode or "prefer") < SSL_MODES.index("require"):
        raise UnusableOption(f"DATABASE_URL : {', '.join(files)} demande sslmode=require, verify-ca ou verify-full.")
    if "sslkey" in files and "sslcert" not in files:
        raise UnusableOption("DATABASE_URL : sslkey va avec sslcert (le certificat du client).")
    if mode in ("disable", "allow", "prefer"):
        arguments["ssl"] = mode  # asyncpg's own fallbacks, as libpq's
    elif mode is not None:
        arguments["ssl"] = _tls_context(mode, files)
    return url.set(query={}), arguments


def _single(name: str, value: str | tuple[str, ...]) -> str:
    if isinstance(value, tuple):
        raise UnusableOption(f"DATABASE_URL : le paramètre « {name} » est donné plusieurs fois.")
    return value


def _seconds(value: str) -> int:
    """libpq's connect_timeout: whole seconds; its 0 (wait forever) is refused: a host that never answers would hold
    a command, or a page, forever."""
    if not value.isdigit() or int(value) < 1:
        raise UnusableOption(f"DATABASE_URL : connect_timeout={value} n'est pas un nombre entier de secondes, 1 ou "
                             "plus.")
    return int(value)


def _tls_context(mode: str, files: dict[str, str]) -> ssl.SSLContext:
    """libpq's meaning of each mode: require encrypts without checking whom it talks to (unless a CA is given: then
    as verify-ca, as libpq does with a root certificate); verify-ca checks the server's certificate against the CA
    (sslrootcert, else the system's trusted ones, libpq's sslrootcert=system); verify-full checks its name too."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    root = files.get("sslrootcert")
    verify = mode != "require" or root is not None
    context.check_hostname = mode == "verify-full"
    context.verify_mode = ssl.CERT_REQUIRED if verify else ssl.CERT_NONE
    if verify and root in (None, "system"):
        context.load_default_certs()
    elif verify:
        _load("sslrootcert", root, lambda: context.load_verify_locations(cafile=root))
    if "sslcert" in files:
        cert, key = files["sslcert"], files.get("sslkey")
        _load("sslcert", cert, lambda: context.load_cert_chain(cert, keyfile=key))
    return context


def _load(name: str, path: str, load) -> None:
    try:
        load()
    except ssl.SSLError:  # read, but no certificate (or key) in it
        raise UnusableOption(f"DATABASE_URL : {name}={path} n'est pas un certificat PEM (ou sa clé) lisible.") from None
    except OSError as error:
        raise UnusableOption(f"DATABASE_URL : {name}={error.filename or path} : fichier introuvable ou illisible par "
                             "Carnet.") from None
