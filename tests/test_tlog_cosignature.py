"""Witnesses' cosignatures (server.tlog.cosignature), Ed25519 kind, as C2SP tlog-cosignature defines them.

Vectors: a checkpoint of transparency.dev's staging CT log "arche2025h1" as it was served, with the
cosignatures of four witnesses of the public witness network, four operators' own deployments (quoted
by a public Python tlog test suite), each checked against the key its operator publishes; and the key
and timestamp cases of transparency-dev/formats' note/note_cosigv1_test.go (Go).
"""

import base64

import pytest

from server.tlog.checkpoint import Checkpoint, sign_checkpoint
from server.tlog.cosignature import (
    BadCosignature,
    CosignerSigner,
    CosignerVerifier,
    cosignatures,
    cosigner_key_id,
    signed_message,
)
from server.tlog.keys import MalformedKey, Signer, key_id
from server.tlog.note import Note, Signature, UnverifiedNote, open_note

ARCHE = """arche2025h1.staging.ct.transparency.dev
1432088532
U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=

— arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=
— arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=
— transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==
— witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==
— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==
— witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==
"""
WITNESS_KEYS = [  # as their operators publish them
    "transparency.dev/DEV:witness-little-garden+d8042a87+BCtusOxINQNUTN5Oj8HObRkh2yHf/MwYaGX4CPdiVEPM",
    "witness1.smartit.nu/witness1+a48c820f+BPSFWg9G6KPiO7QPryYO5Xq4oYJJ+kAvLKLSimDhoxMO",
    "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
    "witness.stagemole.eu+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv",
]
ARCHE_TIME = 1779573024  # 2026-05-23 21:50:24 UTC: the four cosigned within the same second


def unverified(note_text: str) -> Note:
    """The note with every signature set aside unchecked (the log's own is not an Ed25519 note signature here)."""
    with pytest.raises(UnverifiedNote) as raised:
        open_note(note_text, [])
    return raised.value.note


def test_four_real_witnesses_cosignatures_of_a_real_checkpoint_verify_with_their_published_keys():
    witnesses = [CosignerVerifier.from_key(key) for key in WITNESS_KEYS]
    found = cosignatures(unverified(ARCHE), witnesses)
    assert sorted(c.name for c in found) == sorted(w.name for w in witnesses)
    assert {c.timestamp for c in found} == {ARCHE_TIME}
    assert all(c.line in ARCHE for c in found)


def test_a_real_cosignature_fails_on_any_other_tree_or_time():
    remora = CosignerVerifier.from_key(WITNESS_KEYS[2])
    line = next(s for s in unverified(ARCHE).unverified if s.name == "remora.n621.de")
    text = unverified(ARCHE).text
    for other in (text.replace("1432088532", "1432088533"), text.replace("U7WM", "U7WN"), text + "extension\n"):
        with pytest.raises(BadCosignature):
            remora.verify(other, line)
    raw = bytearray(base64.b64decode(line.base64))
    raw[11] ^= 1  # the signed time
    with pytest.raises(BadCosignature):
        remora.verify(text, Signature(line.name, line.key_id, base64.b64encode(bytes(raw)).decode()))


def test_key_ids_use_the_type_byte_0x04():
    # note_cosigv1_test.go: a native cosignature key, and a note key (0x01) for the same name and public key
    remora = CosignerVerifier.from_key("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2")
    assert remora.key_id == 0xDA77ADE7 == cosigner_key_id(remora.name, remora.public_key)
    assert key_id(remora.name, remora.public_key) != remora.key_id
    with pytest.raises(MalformedKey):  # an Ed25519 note key is not a cosigner's
        CosignerVerifier.from_key("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")


def test_the_timestamp_is_the_eight_bytes_after_the_key_id():
    # note_cosigv1_test.go, TestCosignatureTimestamp "works": 1727964367
    raw = base64.b64decode("ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==")
    assert len(raw) == 4 + 8 + 64 and int.from_bytes(raw[4:12], "big") == 1727964367


def test_the_signed_message_is_the_header_the_time_and_the_note_text():
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert signed_message(body, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")  # the spec's example ("Ed25519 signed message")
    with pytest.raises(ValueError):
        signed_message(body, 2**63)


def test_a_witness_key_round_trips_and_cosigns_a_checkpoint_beside_the_logs_signature():
    witness = CosignerSigner.generate("temoin.example.org/association")
    assert CosignerSigner.from_key(witness.key) == witness and "seed" not in repr(witness)
    assert CosignerVerifier.from_key(witness.verifier.key) == witness.verifier
    assert witness.verifier.key.split("+")[2].startswith("B")  # base64 of 0x04 ...
    log = Signer.generate("carnet.example.fr/carnet-journal")
    signed = sign_checkpoint(Checkpoint(log.name, 3, bytes(32)), log)
    note = open_note(signed, [log.verifier])
    cosigned = witness.cosign(note.text, timestamp=1_800_000_000)
    with_witness = open_note(signed + cosigned.line, [log.verifier])  # still a valid signed note
    assert cosignatures(with_witness, [witness.verifier]) == [cosigned]
    assert cosignatures(with_witness, [CosignerSigner.generate("autre").verifier]) == []  # unknown keys ignored


@pytest.mark.parametrize("key", [
    "temoin+00000000+" + base64.b64encode(b"\x04" + bytes(32)).decode(),  # wrong key ID
    "temoin+1234567+BAAA",  # short key ID, short key
    "temoin+12345678+" + base64.b64encode(b"\x04" + bytes(31)).decode(),
    "te moin+12345678+" + base64.b64encode(b"\x04" + bytes(32)).decode(),
    "temoin+12345678",
    "PRIVATE+KEY+temoin+12345678+" + base64.b64encode(b"\x04" + bytes(32)).decode(),
])
def test_malformed_cosigner_keys_are_refused(key):
    with pytest.raises(MalformedKey):
        CosignerVerifier.from_key(key)


def test_a_bad_line_from_a_known_witness_is_refused_and_a_duplicate_keeps_the_newest():
    witness = CosignerSigner.generate("temoin.example.org/w")
    text = "example.org/log\n1\n" + base64.b64encode(bytes(32)).decode() + "\n"
    older, newer = witness.cosign(text, timestamp=100), witness.cosign(text, timestamp=200)
    note = Note(text, unverified=(Signature(older.name, older.key_id, older.base64),
                                  Signature(newer.name, newer.key_id, newer.base64)))
    assert cosignatures(note, [witness.verifier]) == [newer]
    short = base64.b64encode(base64.b64decode(newer.base64)[:-1]).decode()
    with pytest.raises(BadCosignature):
        cosignatures(Note(text, unverified=(Signature(newer.name, newer.key_id, short),)), [witness.verifier])
