"""One settings object, read from the environment."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import idna

DEV_SECRET = "dev-only-secret-change-me"
# A production secret has at least this many different characters (Settings.check).
_SECRET_LETTERS = 12
_UNEXPANDED = re.compile(r"\$\{[^}]*\}?|^\$[A-Za-z_][A-Za-z0-9_]*$")


class SettingsError(RuntimeError):
    """The environment describes a deployment Carnet refuses to run."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    data_dir: Path = Path("data")
    database_url: str = ""
    secret: str = DEV_SECRET
    origin: str = "http://localhost:8000"
    rp_id: str = "localhost"
    rp_name: str = "Carnet"
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    activation_max_attempts: int = 5
    activation_lock_minutes: int = 15
    page_size: int = 20
    # Web Push (RFC 8292). Empty key: made at first start under data_dir/vapid (see notifications/webpush.py).
    vapid_private_key: str = ""
    vapid_subject: str = ""  # a contact the push services can write to; empty: derived from the origin
    # The transparency log (server/tlog). Empty key: made at first start under data_dir/journal (tlog/signing.py).
    journal_signing_key: str = ""  # a Go note signer key, "PRIVATE+KEY+<journal_origin>+<id>+<base64>"
    # The log's name, where it is not this origin's: a site moved to another address keeps its log's (signing.py).
    journal_name: str = ""
    # Seconds between the integrator's rounds (tlog/integrator.py); 0: this process does not integrate (another
    # does; the tests call integrate_now). CARNET_JOURNAL_INTERVAL defaults to 1.
    journal_interval: float = 0.0
    # Witnesses that cosign the log's checkpoints (tlog/witnessing.py): (cosigner verifier key, URL prefix of their
    # POST /add-checkpoint) pairs; and how many cosignatures a checkpoint needs for GET /journal/checkpoint.
    journal_witnesses: tuple[tuple[str, str], ...] = ()
    journal_witnesses_required: int = 0
    # The addresses whose X-Forwarded-For Carnet believes (the reverse proxy's): attempt limits count the client it
    # names, not the proxy, which would pause a whole site for one person's typos. "*": any (a proxy on a private
    # network only).
    trusted_proxies: str = "127.0.0.1"
    # Who answers for the data (GDPR art. 13.1 a and b), shown on "Vos données et vos droits": the deployment's own,
    # which production refuses to start without; elsewhere the page shows a placeholder, marked as one.
    controller: str = ""  # the data controller's name and address
    dpo_contact: str = ""  # how to reach its data protection officer: an e-mail address, a web address or a postal one
    extra: dict = field(default_factory=dict)

    @property
    def secure_cookies(self) -> bool:
        return urlsplit(self.origin).scheme == "https"

    @property
    def session_cookie(self) -> str:
        # "__Host-" binds the cookie to this exact host, over HTTPS only (RFC 6265bis 4.1.3.2).
        return "__Host-carnet_session" if self.secure_cookies else "carnet_session"

    @property
    def push_contact(self) -> str:
        """The VAPID "sub" claim: a mailto: (or https:) URI for the push services (RFC 8292, 2.1)."""
        return self.vapid_subject or f"mailto:contact@{urlsplit(self.origin).hostname or 'localhost'}"

    @property
    def journal_origin(self) -> str:
        """The log's name in its checkpoints (C2SP: a schema-less URL), which a new key bears; a key made before the
        origin was read as browsers send it keeps the name it bears (tlog/signing.spelled_before)."""
        return self.journal_name or f"{urlsplit(self.origin).netloc or 'localhost'}/carnet-journal"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check(self) -> None:
        if self.env not in {"development", "test", "production"}:
            raise SettingsError(f"CARNET_ENV vaut development, test ou production, pas {self.env!r}")
        if self.env != "development" and (self.secret == DEV_SECRET or len(self.secret) < 32):
            raise SettingsError("CARNET_SECRET doit être une valeur aléatoire de 32 caractères ou plus hors "
                                "développement")
        if "$(" in self.secret or "`" in self.secret:
            # systemd's Environment= and env files run no command: README's generator copied as is is public text.
            raise SettingsError("CARNET_SECRET contient une commande du shell qui n'a jamais été exécutée : "
                                "exécutez-la une fois et donnez sa sortie")
        if _UNEXPANDED.search(self.secret):
            # Nor do they expand a variable (systemd's EnvironmentFile=, docker --env-file): "${SECRET_FROM_VAULT}"
            # long enough was taken as the secret, a name anyone reading the unit knows.
            raise SettingsError("CARNET_SECRET contient une variable du shell qui n'a jamais été remplacée "
                                f"({_UNEXPANDED.search(self.secret)[0]}) : donnez sa valeur")
        if self.env == "production" and len(set(self.secret)) < _SECRET_LETTERS:
            # "x" * 32, "changeme" * 4, "0123456789" * 4: 32 characters that a guess finds. README's generator gives
            # 64 of about 60 different ones; `openssl rand -hex 32`, 64 of the 16 hex digits.
            raise SettingsError("CARNET_SECRET n'est pas une valeur aléatoire : il a trop peu de caractères "
                                f"différents (moins de {_SECRET_LETTERS}). Créez-le comme le dit README : python3 -c "
                                "'import secrets; print(secrets.token_urlsafe(48))'")
        if not 1 <= self.session_idle_minutes <= self.session_max_hours * 60:
            raise SettingsError(f"CARNET_SESSION_IDLE_MINUTES va de 1 à {self.session_max_hours * 60} minutes")
        if self.env == "production":
            if not self.secure_cookies:
                raise SettingsError("CARNET_ORIGIN doit être en https:// en production")
            for name, value in (("CARNET_CONTROLLER", self.controller), ("CARNET_DPO_CONTACT", self.dpo_contact)):
                if not value:
                    raise SettingsError(f"{name} est obligatoire en production : les patients apprennent qui détient "
                                        "leurs données et à qui s'adresser (RGPD art. 13 ; README, Configuration)")
        self.check_database_url()
        if self.vapid_subject and not self.vapid_subject.startswith(("mailto:", "https://")):
            raise SettingsError("CARNET_VAPID_SUBJECT doit être une URI mailto: ou https://")
        if self.journal_interval != 0 and not 0.05 <= self.journal_interval <= 5:
            raise SettingsError("CARNET_JOURNAL_INTERVAL vaut 0 (arrêt) ou de 0.05 à 5 secondes (délai "
                                "d'intégration du journal)")
        if self.journal_name and not re.fullmatch(r"[!-*,-~]+/carnet-journal", self.journal_name):
            raise SettingsError("CARNET_JOURNAL_NAME est le nom que porte la clé du journal, <hôte>/carnet-journal "
                                "(celui que donne l'erreur au démarrage), sans espace ni « + »")
        self.check_witnesses()
        self.check_proxies()
        host = urlsplit(self.origin).hostname or ""
        if host != self.rp_id and not host.endswith("." + self.rp_id):
            raise SettingsError(f"CARNET_RP_ID {self.rp_id!r} doit être l'hôte de CARNET_ORIGIN ou un domaine parent")

    def check_witnesses(self) -> None:
        from .tlog.cosignature import CosignerVerifier
        from .tlog.keys import MalformedKey

        names = set()
        for key, url in self.journal_witnesses:
            try:
                names.add(CosignerVerifier.from_key(key).name)
            except MalformedKey:
                raise SettingsError(f"CARNET_JOURNAL_WITNESSES : {key!r} n'est pas la clé de cosignature d'un témoin "
                                    "(<nom>+<id de clé>+<base64 de 0x04 et de la clé Ed25519>)") from None
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
                raise SettingsError(f"CARNET_JOURNAL_WITNESSES : {url!r} n'est pas une URL http(s)")
            if urlsplit(url).path.rstrip("/").endswith("/add-checkpoint"):  # POSTed to <url>/add-checkpoint
                raise SettingsError(f"CARNET_JOURNAL_WITNESSES : {url!r} est le point d'accès du témoin ; donnez son "
                                    "préfixe, sans /add-checkpoint (Carnet l'ajoute)")
        if len(names) != len(self.journal_witnesses):
            raise SettingsError("CARNET_JOURNAL_WITNESSES nomme deux fois un témoin")
        if not 0 <= self.journal_witnesses_required <= len(self.journal_witnesses):
            raise SettingsError("CARNET_JOURNAL_WITNESSES_REQUIRED va de 0 au nombre de CARNET_JOURNAL_WITNESSES")

    def check_database_url(self) -> None:
        """A URL SQLAlchemy cannot read, or of a driver Carnet does not run on, was its traceback; never said with the
        URL, whose password it would print."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            driver = make_url(self.database_url).drivername
        except (ArgumentError, ValueError):
            raise SettingsError("DATABASE_URL n'est pas l'adresse d'une base de données : "
                                "sqlite+aiosqlite:///chemin ou "
                                "postgresql+asyncpg://utilisateur:mot-de-passe@hôte[:port]/base (dans le mot de passe, "
                                "/ @ : # s'écrivent %2F %40 %3A %23)") from None
        if driver not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise SettingsError(f"DATABASE_URL commence par sqlite+aiosqlite:///… ou postgresql+asyncpg://…, "
                                f"pas {driver}://…")
        if driver == "postgresql+asyncpg":
            from .db.postgres import UnusableOption, asyncpg_arguments

            try:
                asyncpg_arguments(self.database_url)  # a query option asyncpg would have met as a traceback
            except UnusableOption as error:
                raise SettingsError(str(error)) from None

    def check_proxies(self) -> None:
        for entry in self.trusted_proxies.split(","):
            try:
                if entry.strip() != "*":
                    ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise SettingsError(f"CARNET_TRUSTED_PROXIES : {entry.strip()!r} n'est pas une adresse ou un réseau IP "
                                    "(10.0.0.5, 10.0.0.0/24, ou * pour tous)") from None


def witnesses_from(text: str) -> tuple[tuple[str, str], ...]:
    """CARNET_JOURNAL_WITNESSES: "<cosigner key> <URL>" for each witness, separated by commas or newlines."""
    entries = [entry.split() for entry in text.replace(",", "\n").splitlines() if entry.strip()]
    if any(len(entry) != 2 for entry in entries):
        raise SettingsError("CARNET_JOURNAL_WITNESSES : chaque témoin s'écrit sa clé, une espace et son URL")
    return tuple((key, url) for key, url in entries)


def number(env: Mapping[str, str], name: str, default: str, kind: type[int] | type[float] = int) -> Any:
    """A numeric setting, or SettingsError naming it: never a Python traceback for a typo in a unit file."""
    value = env.get(name, default)
    try:
        return kind(value)
    except ValueError:
        what = "un nombre entier" if kind is int else "un nombre"
        raise SettingsError(f"{name} doit être {what}, pas {value!r}") from None


DEFAULT_PORTS = {"http": 80, "https": 443}


def checked_origin(value: str) -> str:
    """CARNET_ORIGIN, the scheme, host and port browsers send as Origin: anything else was a traceback (a bracket left
    open, a port that is no number) or an error about CARNET_RP_ID, which the operator had not set (no scheme).
    Written as browsers serialize an origin (RFC 6454 6.1), which passkeys' clientData and the log's name must match
    exactly: the scheme and host in lower case, an internationalized host in its ASCII form, an IPv6 address
    compressed, no default port; a site set as "HTTPS://Carnet.Example:443" was accepted, and no passkey could ever be
    registered on it. A user or password before the host is refused, and never repeated: it would have been the log's
    published name."""
    if "@" in value.partition("//")[2].partition("/")[0]:  # read before urlsplit, whose errors would repeat it
        raise SettingsError("CARNET_ORIGIN est l'adresse du site, http(s)://hôte[:port], sans utilisateur ni mot de "
                            "passe avant l'hôte")
    try:
        parts = urlsplit(value)
        host, port = parts.hostname or "", parts.port  # a port that is no number, or out of range: ValueError
        well_formed = (parts.scheme in DEFAULT_PORTS and bool(host) and port != 0
                       and not (parts.path or parts.query or parts.fragment))
        ascii_host = f"[{ipaddress.ip_address(host).compressed}]" if ":" in host else ascii_domain(host)
    except ValueError:  # UnicodeError too: a host IDNA cannot write
        well_formed = False
    if not well_formed:
        raise SettingsError(f"CARNET_ORIGIN est l'adresse du site, http(s)://hôte[:port] et rien après, "
                            f"pas {value!r}")
    shown_port = "" if port in (None, DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{ascii_host}{shown_port}"


def ascii_domain(name: str) -> str:
    """A host name as browsers and WebAuthn's RP ID write it: mapped as the URL standard maps a host (UTS 46,
    nontransitional: lower case, full-width forms folded, "ß" kept, where Python's "idna" codec, IDNA 2003, wrote
    "strasse", another domain), an internationalized label in Punycode; UnicodeError (a ValueError) for a name no
    browser writes (an empty label, one too long, a character UTS 46 disallows)."""
    labels = idna.uts46_remap(name, std3_rules=False, transitional=False).split(".")
    labels = [label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii") for label in labels]
    named = labels[:-1] if len(labels) > 1 and not labels[-1] else labels  # a trailing dot: the root's empty label
    if any(not 0 < len(label) <= 63 for label in named):
        raise UnicodeError(f"label empty or too long in {name!r}")
    return ".".join(labels)


def checked_rp_id(value: str) -> str:
    try:
        return ascii_domain(value)
    except ValueError:
        raise SettingsError(f"CARNET_RP_ID doit être un nom de domaine, pas {value!r}") from None


# Settings in which " #" can only be a comment copied after the value: systemd (Environment=, EnvironmentFile=) and
# docker --env-file keep it in the value, and Carnet made a data directory named with the comment.
NO_COMMENT = ("CARNET_DATA_DIR", "DATABASE_URL", "CARNET_ORIGIN", "CARNET_RP_ID", "CARNET_TRUSTED_PROXIES",
              "CARNET_VAPID_SUBJECT", "CARNET_DPO_CONTACT", "CARNET_JOURNAL_WITNESSES")
# A quoted value, then a comment: the quotes systemd's Environment= keeps, a name shown to patients with its comment.
QUOTED_THEN_COMMENT = re.compile(r"""^\s*(["']).*\1\s+#""")


def no_comment_after_values(env: Mapping[str, str]) -> None:
    """Never repeats the value: DATABASE_URL's holds a password."""
    for name in (*NO_COMMENT, "CARNET_CONTROLLER"):
        value = env.get(name, "")
        if re.search(r"\s#", value) if name in NO_COMMENT else QUOTED_THEN_COMMENT.match(value):
            raise SettingsError(f"{name} porte un commentaire après sa valeur (« … # … ») : systemd et docker "
                                "--env-file le lisent comme une part de la valeur. Mettez le commentaire sur une ligne "
                                "à lui.")


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    no_comment_after_values(env)
    data_dir = Path(env.get("CARNET_DATA_DIR", "data")).resolve()
    origin = checked_origin(env.get("CARNET_ORIGIN", "http://localhost:8000").rstrip("/"))
    settings = Settings(
        env=env.get("CARNET_ENV", "development"),
        data_dir=data_dir,
        database_url=env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'carnet.sqlite3'}",
        secret=env.get("CARNET_SECRET", DEV_SECRET),
        origin=origin,
        rp_id=checked_rp_id(env.get("CARNET_RP_ID") or (urlsplit(origin).hostname or "localhost")),
        session_idle_minutes=number(env, "CARNET_SESSION_IDLE_MINUTES", "30"),
        # One key for every host of a site: several hosts that share no disk set it here.
        vapid_private_key=env.get("CARNET_VAPID_PRIVATE_KEY", "").strip(),
        vapid_subject=env.get("CARNET_VAPID_SUBJECT", "").strip(),
        # Like the VAPID key: several hosts that share no disk set the log's one key here.
        journal_signing_key=env.get("CARNET_JOURNAL_SIGNING_KEY", "").strip(),
        journal_name=env.get("CARNET_JOURNAL_NAME", "").strip(),
        journal_interval=number(env, "CARNET_JOURNAL_INTERVAL", "1", float),
        journal_witnesses=witnesses_from(env.get("CARNET_JOURNAL_WITNESSES", "")),
        journal_witnesses_required=number(env, "CARNET_JOURNAL_WITNESSES_REQUIRED", "0"),
        trusted_proxies=env.get("CARNET_TRUSTED_PROXIES", "127.0.0.1").strip() or "127.0.0.1",
        controller=env.get("CARNET_CONTROLLER", "").strip(),
        dpo_contact=env.get("CARNET_DPO_CONTACT", "").strip(),
    )
    settings.check()
    return settings
