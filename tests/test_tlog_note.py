"""C2SP signed notes and their Ed25519 keys (server.tlog.note, server.tlog.keys).

Vectors: golang.org/x/mod/sumdb/note's note_test.go (the reference implementation's
keys, its signed note and its malformed ones), and the key pairs of
google/trillian-examples' formats/log/note_test.go, all made by Go's implementation.
"""

import pytest

from server.tlog.keys import MalformedKey, Signer, Verifier, key_id
from server.tlog.note import (
    BadSignature,
    MalformedNote,
    NoteError,
    Signature,
    UnverifiedNote,
    open_note,
    sign,
)

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
PETER = Signature("PeterNeumann", 0xC74F20A3, PETER_SIG.split()[2])
ENOCH = Signature("EnochRoot", 0xAF0CFE78, ENOCH_SIG.split()[2])
# formats/log/note_test.go of google/trillian-examples: (verifier key, signer key) made by Go
GO_KEY_PAIRS = [
    ("Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs",
     "PRIVATE+KEY+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ"),
    ("Known+451c786d+AXAQ0T7lbwuY4ABJ9/MYY9bWV3hmSyOGVt2x42NkmdUH",
     "PRIVATE+KEY+Known+451c786d+AQPRoE2+Z+Ed1HaHBA9F/FfracvcZ2rDU39kCecMEoci"),
    ("KnownAgain+4893b26c+AQ+LR7BFF/F/dkpIBjBpSvT0crkteizuUkavAoGeaYMj",
     "PRIVATE+KEY+KnownAgain+4893b26c+ARhZda/l25zjGZswYLDZsLNRzNpmv5wYTN9IoTr1OJ2+"),
    ("Unknown+fdbb2e08+AWgRIYZ+8x1Vl+1Q+sR8zciNHiYI1SdlBjNw+RV0rots",
     "PRIVATE+KEY+Unknown+fdbb2e08+Aav2knTC6orbhXX8pMWuNiWgO+Wwk2DB+h1eU2Q1W1nU"),
]


def manglings(key):
    """Every proper substring and every one-byte increment of a key, as Go's tests try them."""
    raw = key.encode()
    for i in range(len(raw) + 1):
        for j in range(i + 1, len(raw) + 1):
            if (i, j) != (0, len(raw)):
                yield raw[i:j].decode()
    for i in range(len(raw)):
        yield (raw[:i] + bytes([raw[i] + 1]) + raw[i + 1 :]).decode()


def test_go_verifier_key_parses_and_every_mangling_of_it_is_refused():
    verifier = Verifier.from_key(PETER_VKEY)
    assert (verifier.name, verifier.key_id, verifier.key) == ("PeterNeumann", 0xC74F20A3, PETER_VKEY)
    bad = [*manglings(PETER_VKEY),
           "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",  # wrong length, adjusted ID
           "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"]  # unknown algorithm, adjusted ID
    for key in bad:
        with pytest.raises(MalformedKey):
            Verifier.from_key(key)


def test_go_signer_key_parses_and_every_mangling_of_it_is_refused():
    signer = Signer.from_key(PETER_SKEY)
    assert signer.key == PETER_SKEY and signer.verifier == Verifier.from_key(PETER_VKEY)
    for key in manglings(PETER_SKEY):
        with pytest.raises(MalformedKey):
            Signer.from_key(key)


@pytest.mark.parametrize("vkey, skey", GO_KEY_PAIRS)
def test_keys_made_by_go_give_the_same_public_key_and_key_id_here(vkey, skey):
    assert Signer.from_key(skey).verifier == Verifier.from_key(vkey)


def test_a_generated_key_signs_what_its_verifier_accepts_and_hides_its_seed():
    signer = Signer.generate("carnet.example/log")
    assert Signer.from_key(signer.key) == signer
    assert Verifier.from_key(signer.verifier.key) == signer.verifier
    assert signer.verifier.key_id == key_id("carnet.example/log", signer.verifier.public_key)
    # The key's last field is base64, which may itself hold "+": split at the first four only.
    assert signer.seed.hex() not in repr(signer) and signer.key.split("+", 4)[4] not in repr(signer)
    signature = signer.sign(b"hi")
    assert signer.verifier.verify(b"hi", signature)
    assert not signer.verifier.verify(b"ho", signature)
    assert not signer.verifier.verify(b"hi", bytes([signature[0] ^ 1]) + signature[1:])


@pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\there", "nbsp\u00a0name", "ideographic\u3000space", "nul\x00"])
def test_names_with_spaces_plus_signs_or_control_characters_are_refused(name):
    with pytest.raises(MalformedKey):
        Signer.generate(name)
    with pytest.raises(MalformedKey):
        sign(TEXT, [Signer(name, 0, bytes(32))])


def test_signing_gives_go_s_signed_note_byte_for_byte():
    signer = Signer.from_key(PETER_SKEY)
    assert sign(TEXT, [signer]) == TEXT + "\n" + PETER_SIG
    # An earlier signature by the same key is replaced, not repeated.
    assert sign(TEXT, [signer], keep=[Signature("PeterNeumann", 0xC74F20A3, "BADSIGN=")]) == TEXT + "\n" + PETER_SIG
    # Others' signatures are kept, before the new one (a witness adds its cosignature this way).
    assert sign(TEXT, [signer], keep=[ENOCH]) == TEXT + "\n" + ENOCH_SIG + PETER_SIG


@pytest.mark.parametrize("text, keep", [
    ("abc", []),  # no final newline
    (TEXT, [Signature("a+b", 0, "ABCD")]),
    (TEXT, [Signature("PeterNeumann", 0xC74F20A3, "BADHASH=")]),
    ("bell\x07\n", []),
])
def test_signing_refuses_what_go_refuses(text, keep):
    with pytest.raises(MalformedNote):
        sign(text, [], keep=keep)


def test_open_verifies_trusted_keys_and_keeps_unknown_ones_aside():
    peter, enoch = Verifier.from_key(PETER_VKEY), Verifier.from_key(ENOCH_VKEY)
    note = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [peter])
    assert (note.text, note.signatures, note.unverified) == (TEXT, (PETER,), (ENOCH,))
    note = open_note((TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode(), [peter, enoch])
    assert (note.signatures, note.unverified) == ((PETER, ENOCH), ())


def test_a_note_no_trusted_key_signed_is_refused_but_kept_as_evidence():
    with pytest.raises(UnverifiedNote) as refused:
        open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])
    assert refused.value.note.unverified == (PETER, ENOCH) and refused.value.note.signatures == ()


def test_two_trusted_keys_with_one_name_and_id_are_refused_only_when_used():
    peter, enoch = Verifier.from_key(PETER_VKEY), Verifier.from_key(ENOCH_VKEY)
    with pytest.raises(NoteError, match="ambiguous key EnochRoot\\+af0cfe78"):
        open_note(TEXT + "\n" + ENOCH_SIG, [enoch, peter, enoch])
    assert open_note(TEXT + "\n" + PETER_SIG, [enoch, peter, enoch]).signatures == (PETER,)


def test_a_bad_signature_from_a_trusted_key_rejects_the_whole_note():
    peter = Verifier.from_key(PETER_VKEY)
    forged = PETER_SIG.encode()[:60] + b"ABCD" + PETER_SIG.encode()[60:]  # Go slices bytes
    with pytest.raises(BadSignature, match="PeterNeumann\\+c74f20a3"):
        open_note(TEXT.encode() + b"\n" + forged, [peter])
    other_text = TEXT.replace("answer", "solution")
    with pytest.raises(BadSignature):
        open_note(other_text + "\n" + PETER_SIG, [peter])


def test_repeated_signatures_count_once_and_unknown_ones_are_kept_once():
    peter = Verifier.from_key(PETER_VKEY)
    enoch_abcd = ENOCH_SIG.encode()[:60] + b"ABCD" + ENOCH_SIG.encode()[60:]
    message = (TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG).encode() + enoch_abcd
    note = open_note(message, [peter])
    assert note.signatures == (PETER,)
    assert note.unverified == (ENOCH, Signature("EnochRoot", 0xAF0CFE78, enoch_abcd.decode().split()[2]))


def test_sixteen_signatures_are_accepted_and_a_hundred_and_one_are_too_many():
    peter = Verifier.from_key(PETER_VKEY)
    witnesses = "".join(sign(TEXT, [Signer.generate(f"witness{n}.example")]).split("\n\n")[-1] for n in range(15))
    assert len(open_note(TEXT + "\n" + PETER_SIG + witnesses, [peter]).unverified) == 15
    with pytest.raises(MalformedNote):
        open_note(TEXT + "\n" + PETER_SIG * 101, [peter])
    with pytest.raises(MalformedNote):
        open_note(TEXT + "\n" + PETER_SIG * 101, [])


@pytest.mark.parametrize("message", [
    TEXT.encode(),  # no signature block
    (TEXT + "\n").encode(),  # a blank line and no signature
    (TEXT + "\n" + PETER_SIG[:-1]).encode(),  # the last line does not end
    ("\x01" + TEXT + "\n" + PETER_SIG).encode(),  # a control character
    b"\xff" + (TEXT + "\n" + PETER_SIG).encode(),  # not UTF-8
    (TEXT + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=").encode(),
    (TEXT + "\n" + PETER_SIG + "Unexpected line.\n").encode(),
    (TEXT + "\n" + PETER_SIG.replace("— ", "- ")).encode(),  # a hyphen is not an em dash
    (TEXT + "\n" + PETER_SIG.replace("AM=", "AN=")).encode(),  # not canonical base64
    (TEXT + "\n" + "— a+b " + PETER_SIG.split()[2] + "\n").encode(),  # a plus in the name
    (TEXT.replace("\n", "\r\n") + "\r\n" + PETER_SIG).encode(),  # carriage returns
    (TEXT + "\n— PeterNeumann AQIDBA==\n").encode(),  # a key ID and no signature
])
def test_malformed_notes_are_refused_as_go_refuses_them(message):
    with pytest.raises(MalformedNote):
        open_note(message, [Verifier.from_key(PETER_VKEY)])
