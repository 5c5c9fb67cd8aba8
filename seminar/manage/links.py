"""Links on the organiser's event card; each feature adds its own pages here."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_login import current_user


@dataclass(frozen=True)
class ManageLink:
    endpoint: str
    label: object  # a lazy string
    right: str  # 'manage' or 'check_in'


LINKS: list[ManageLink] = []


def add_link(endpoint: str, label, right: str = "manage") -> None:
    if all(link.endpoint != endpoint for link in LINKS):
        LINKS.append(ManageLink(endpoint, label, right))


def links_for(event) -> list[dict]:
    """The feature pages the signed-in user may open for this event."""
    allowed = {"manage": current_user.can_manage(event), "check_in": current_user.can_check_in(event)}
    return [
        {"url": url_for(link.endpoint, slug=event.slug), "label": link.label}
        for link in LINKS
        if allowed[link.right] and link.endpoint in current_app.view_functions
    ]
