"""«Мои контакты» as a vCard 3.0 file that phones import (built with vobject)."""
from __future__ import annotations

import vobject

from .services import ContactCard


def vcard_file(cards: list[ContactCard], event_title: str) -> str:
    """One VCARD per contact, each with only the fields its owner chose to show."""
    return "".join(_vcard(card, event_title).serialize() for card in cards)


def _vcard(card: ContactCard, event_title: str):
    vcard = vobject.vCard()
    vcard.add("n").value = vobject.vcard.Name(family=card.last_name, given=card.first_name,
                                              additional=card.middle_name)
    vcard.add("fn").value = card.full_name
    if card.organization:
        vcard.add("org").value = [card.organization]
    if card.position:
        vcard.add("title").value = card.position
    if card.email:
        email = vcard.add("email")
        email.value, email.type_param = card.email, "INTERNET"
    if card.phone:
        tel = vcard.add("tel")
        tel.value, tel.type_param = card.phone, "CELL"
    note = ", ".join(p for p in (card.municipality, event_title) if p)
    if note:
        vcard.add("note").value = note
    return vcard
