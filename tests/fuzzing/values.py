"""Values to send: many hostile ones, by kind, and the shapes of the JSON formats a browser sends."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import strategies as st

from .routes import is_int


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, picked in proportion to its weight; it shrinks towards the first."""
    indexes = [i for i, (weight, _) in enumerate(choices) for _ in range(weight)]
    return st.sampled_from(indexes).flatmap(lambda i: choices[i][1])


def maybe(strategy: st.SearchStrategy, weight_with: int = 1, weight_without: int = 1) -> st.SearchStrategy:
    """The strategy's value, or None (left out), in proportion to the weights."""
    return weighted((weight_without, st.none()), (weight_with, strategy))


# Every character UTF-8 encodes (all but the surrogates): text()'s own default alphabet, which Hypothesis otherwise
# derives by encoding each of the 1.1 million code points, 1.4 s of CPU in a fresh clone (no .hypothesis/ yet).
UTF8 = st.characters(exclude_categories=["Cs"])


def text(*, max_size: int) -> st.SearchStrategy[str]:
    return st.text(UTF8, max_size=max_size)


# isdigit() is True for every one of these; int() reads the decimal ones (Arabic-Indic, fullwidth,
# Devanagari) and refuses the others (superscripts, a circled digit).
UNICODE_DIGITS = "²³¹⁰⁴⁹" + "٠١٢٣٤٥٦٧٨٩" + "０１９" + "०१९" + "①"
HOSTILE_STRINGS = [
    "", " ", "\x00", "a\x00b", "\u200b", "\ufeff", "\r\n", "\t", "\x1b[31m", "\u202e", "é", "İ", "ß", "ﬁ", "😀",
    "'", '"', "<script>", "{{ 7*7 }}", "%", "_", "\\", "../../etc/passwd", "null", "true", "[]", "{}", "-1", "0",
    "NaN", "1e309", "0x1F", "²", "١٢", "①", "\x00" * 3,
]

digit_strings = st.one_of(
    st.text("0123456789", min_size=1, max_size=30),  # 20 digits: more than a database integer holds
    st.text("0123456789" + UNICODE_DIGITS, min_size=1, max_size=25),
    st.text(UNICODE_DIGITS, min_size=1, max_size=8),
)
# What looks like a number to a person, to str.isdigit() or to int().
numbers = weighted(
    (2, digit_strings),
    (1, st.integers(-(2**70), 2**70).map(str)),
    (1, st.integers(2**63, 10**30).map(str)),
    (1, st.sampled_from(["-0", " 7 ", "1_000", "+1", "1.5", "inf", "1e3", "99999999999999999999"])),
)
_date_part = weighted((3, st.integers(0, 40)), (2, st.integers(1800, 2200)), (3, st.integers(2**31, 10**20)),
                      (1, digit_strings), (1, st.just("")))
# Dates a person might type, and dates no calendar has (31/02, year 10 000 000 000, ١٢/٠٣/١٩٨٤).
dates = weighted(
    (4, st.tuples(_date_part, _date_part, _date_part).map(lambda t: "/".join(map(str, t)))),
    (1, st.tuples(_date_part, _date_part, _date_part).map(lambda t: "-".join(map(str, t)))),
    (2, st.sampled_from(["31/02/2024", "0/0/0", "29/02/2023", "1/1", "1/1/1/1", "//", "2024-13-01", "0001-01-01",
                         "9999-12-31", "2024-02-29T10:00", "12/03/1984 ", "1/1/10000000000", "1/1/-1", "١٢/٠٣/١٩٨٤"])),
)
long_strings = st.builds(lambda unit, n: unit * n, st.sampled_from(["a", "é", "9", " ", "\x00", "²", "<b>"]),
                         st.integers(300, 6000))
# Addresses with broken or dangerous parts: "http://[", an IP, a port no socket has.
urls = st.builds(lambda s, h, p, path: f"{s}://{h}{p}/{path}",
                 st.sampled_from(["https", "http", "", "javascript", "file"]),
                 st.sampled_from(["push.example.com", "localhost", "127.0.0.1", "10.0.0.1", "", "exa mple.com", "xn--",
                                  "a" * 300, "%00", "[", "[::1", "[::1]", "[x]", "]"]),
                 st.sampled_from(["", ":443", ":99999", ":-1", ":x"]), st.sampled_from(["", "x", "?a=b"]))
HOSTILE_KINDS = {"strings": st.sampled_from(HOSTILE_STRINGS), "numbers": numbers, "dates": dates,
                 "text": text(max_size=30), "long": long_strings, "urls": urls}


@cache
def hostile(hint: str | None = None) -> st.SearchStrategy[str]:
    """A value chosen to break a parser; a field's name or type says which kind is likeliest to matter."""
    return weighted(*((9 if kind == hint else 2 if kind in ("strings", "numbers", "dates") else 1, values)
                      for kind, values in HOSTILE_KINDS.items()))


def hint_for(name: str, annotation: Any = str) -> str | None:
    """"birth_date" is likelier to break on a date, a parameter typed int on a number."""
    if "date" in name.lower():
        return "dates"
    return "numbers" if is_int(annotation) else None


# --- what the app hands out, used again ------------------------------------------------------------------


@dataclass(frozen=True)
class FromApp:
    """A value the app handed this persona under `key` (a WebAuthn ceremony token…), fetched afresh when sent."""

    key: str
    pick: int = 0


@cache
def from_app(key: str) -> st.SearchStrategy[FromApp]:
    return st.builds(FromApp, st.just(key), st.integers(0, 3))


@cache
def tiny_pdf() -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", size=12)
    doc.cell(text="Compte rendu")
    return bytes(doc.output())


@cache
def tiny_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(out, format="PNG")
    return out.getvalue()


# Bytes that are not UTF-8, a PDF or a PNG that says it is one and is not, and real ones.
file_contents = st.one_of(
    st.binary(max_size=64), st.sampled_from([b"\xff\xfe\x00\x80", b"%PDF-1.4 broken", b"\x89PNG\r\n\x1a\n"]),
    st.builds(tiny_pdf), st.builds(tiny_png), text(max_size=20).map(str.encode),
)
FILENAMES = ["", "note.pdf", "scan.png", "a\r\nb.pdf", "x\x00.pdf", "é.pdf", '"quoted".pdf', "../../x.pdf", "x" * 300]


# What only JSON carries (its escapes: a form cannot encode a lone surrogate), and a JSON text nested past
# json.loads's stack, for the handlers that read a JSON string inside the JSON (a WebAuthn credential).
DEEP_JSON = "[" * 1500 + "]" * 1500
JSON_ONLY_STRINGS = ["\ud800", "a\udfffb", DEEP_JSON]


@cache
def json_values(keys: tuple[str, ...]) -> st.SearchStrategy[Any]:
    leaves = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), hostile(),
                       st.sampled_from(["public-key", "x", "AAAA"]), st.sampled_from(JSON_ONLY_STRINGS))
    tree = st.recursive(leaves, lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.sampled_from(keys), children, max_size=5)), max_leaves=8)
    # A credential travels as a JSON string inside the JSON: so do its broken forms.
    return st.one_of(tree, tree.map(json.dumps))


def partial(shape: dict[str, st.SearchStrategy]) -> st.SearchStrategy[dict]:
    """An object of this shape with now and then a key missing, or a value of the wrong type."""
    wrong = st.one_of(st.none(), st.booleans(), st.integers(), st.lists(st.integers(), max_size=2), st.just({}))
    entries = [maybe(st.tuples(st.just(key), weighted((4, value), (1, wrong))), 9, 1) for key, value in shape.items()]
    return st.tuples(*entries).map(lambda pairs: dict(p for p in pairs if p is not None))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# Any bytes, or text (a user handle is one, once decoded), as base64url; or what is not base64url at all.
base64url = weighted((2, st.binary(max_size=48).map(_b64url)), (2, text(max_size=20).map(lambda t: _b64url(t.encode()))),
                     (1, st.sampled_from(["", "A", "====", "AAAA", "+/+/", "not base64!"])))
# The formats' own shapes, for the JSON a browser sends: WebAuthn's PublicKeyCredential.toJSON()
# (registration and authentication alike) and Web Push's PushSubscription.toJSON().
credentials = partial({
    "id": base64url, "rawId": base64url, "type": st.just("public-key"), "authenticatorAttachment": st.just("platform"),
    "clientExtensionResults": st.just({}),
    "response": partial({"clientDataJSON": base64url, "attestationObject": base64url, "authenticatorData": base64url,
                         "signature": base64url, "userHandle": base64url,
                         "transports": st.lists(st.sampled_from(["internal", "hybrid", "usb"]), max_size=2)}),
})
push_subscriptions = partial({
    "endpoint": weighted((1, st.just("https://push.example.com/send/abc")), (3, urls)),
    "expirationTime": st.none(),
    "keys": partial({"p256dh": base64url, "auth": base64url}),
})
FORMAT_KEYS = sorted({"id", "rawId", "type", "response", "clientDataJSON", "attestationObject", "authenticatorData",
                      "signature", "userHandle", "transports", "endpoint", "keys", "p256dh", "auth"})
