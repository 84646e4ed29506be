"""The phone numbers of the people to contact: checked as numbers a phone can dial, kept as France writes them, and
given in international form (E.164) wherever they may be read abroad (a SMART Health Link, the summary): dialled from
a foreign phone, "06 72 18 45 90" reaches no one."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat

# Where a number typed without its country code is taken to be: France, then the overseas departments and
# collectivities whose numbers France dials in the same ten digits ("0692 12 34 56" is Réunion's +262 692 12 34 56).
FRENCH_NUMBERING = ("FR", "RE", "YT", "GP", "BL", "MF", "MQ", "GF", "PM")


def dialled(text: str) -> PhoneNumber | None:
    """The number `text` is, dialled from France ("+351 …" or "00 351 …" another country's); None for one that cannot
    exist (too short, too long, in no range of its country's plan)."""
    for region in FRENCH_NUMBERING:
        try:
            number = phonenumbers.parse(text, region)
        except NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return number
    return None


def kept(number: PhoneNumber) -> str:
    """As the patient's pages show it: France's numbers as France writes them ("06 72 18 45 90"), another country's
    with its code ("+351 912 345 678")."""
    national = phonenumbers.region_code_for_number(number) in FRENCH_NUMBERING
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL if national else PhoneNumberFormat.INTERNATIONAL)


def international(phone: str) -> str:
    """A kept number in E.164 ("+33672184590"), which any phone dials; one kept before numbers were checked that is
    none, as it is."""
    number = dialled(phone)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164) if number else phone
