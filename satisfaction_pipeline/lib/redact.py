"""Remove personal data (e-mail addresses, phone numbers, card numbers) from text that leaves the
warehouse: report verbatims, e-mails, CSV exports."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of 13-19 digits, possibly grouped by spaces or dashes: card numbers (checked with Luhn).
CARD = re.compile(r"(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])")
# International (+33 6 12 34 56 78, +44 20 7946 0958) or national (06 12 34 56 78, 0612345678,
# (555) 123-4567) phone numbers: 9 to 15 digits with the usual separators.
PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d{1,4}\)?(?:[ .-]?\(?\d{1,4}\)?){2,6}(?![\w])")

REDACTED = {"email": "[e-mail]", "card": "[card]", "phone": "[phone]"}


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return REDACTED["card"] if _luhn_valid(digits) else match.group()


ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def _phone(match: re.Match[str]) -> str:
    text = match.group()
    digits = re.sub(r"\D", "", text)
    if not 9 <= len(digits) <= 15 or ISO_DATE.search(text):
        return text
    # An unbroken run of digits is an order or account number unless it is dialled like a phone:
    # international (+33…, 0033…) or a French national number (10 digits from 0).
    if text.isdigit() and not (text.startswith("00") or (text[0] == "0" and len(text) == 10)):
        return text
    return REDACTED["phone"]


def redact(text: str | None) -> str | None:
    """The text with e-mail addresses, card numbers and phone numbers replaced by placeholders."""
    if not text:
        return text
    text = EMAIL.sub(REDACTED["email"], text)
    text = CARD.sub(_card, text)
    return PHONE.sub(_phone, text)
