"""The outbox (.eml files written when no mail server is set): a person's mails, for their
data download, and erasing them with the rest of their personal data."""
from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path


def _messages(folder: str) -> list[tuple[Path, EmailMessage]]:
    root = Path(folder)
    paths = sorted(root.glob("*.eml")) + sorted((root / "failed").glob("*.eml"))
    found = []
    for path in paths:
        try:
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        except OSError:  # removed meanwhile
            continue
        found.append((path, message))
    return found


def _recipient(message: EmailMessage) -> str:
    return str(message.get("To", "")).strip().lower()


def messages_to(folder: str, address: str) -> list[dict]:
    """The mails written to this address: date, subject and text."""
    found = []
    for path, message in _messages(folder):
        if _recipient(message) != address.lower():
            continue
        body = message.get_body(preferencelist=("plain",))
        found.append({"date": str(message.get("Date", "")), "subject": str(message.get("Subject", "")),
                      "text": body.get_content() if body is not None else "",
                      "delivered": path.parent.name != "failed"})
    return found


def erase(folder: str, addresses: set[str], *, dry_run: bool = False) -> int:
    """Delete the mails written to these addresses; returns how many (or would, on a dry run)."""
    if not addresses:
        return 0
    wanted = {a.lower() for a in addresses}
    doomed = [path for path, message in _messages(folder) if _recipient(message) in wanted]
    if not dry_run:
        for path in doomed:
            path.unlink(missing_ok=True)
    return len(doomed)
