"""Template filters and globals: dates in the event's zone, labels of roles and statuses."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from babel.dates import format_date, format_datetime, format_time
from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .features import features
from .version import __version__

ROLE_LABELS = {
    "participant": _l("Участник"),
    "speaker": _l("Спикер"),
    "organiser": _l("Организатор"),
    "press": _l("Пресса"),
    "guest": _l("Гость"),
}
STATUS_LABELS = {
    "pending": _l("Ожидает подтверждения"),
    "confirmed": _l("Подтверждена"),
    "waitlisted": _l("Лист ожидания"),
    "cancelled": _l("Отменена"),
    "unconfirmed": _l("Ждёт подтверждения адреса"),
}


def _locale() -> str:
    return str(get_locale() or "ru")


def event_datetime(moment: datetime | None, event, fmt: str = "d MMMM y, HH:mm") -> str:
    """A moment as the venue's wall clock, in the visitor's language."""
    if moment is None:
        return ""
    return format_datetime(moment, fmt, tzinfo=event.tz, locale=_locale())


def event_date(moment: datetime | None, event, fmt: str = "d MMMM y") -> str:
    if moment is None:
        return ""
    return format_date(moment.astimezone(event.tz).date(), fmt, locale=_locale())


def event_time(moment: datetime | None, event) -> str:
    if moment is None:
        return ""
    return format_time(moment, "HH:mm", tzinfo=event.tz, locale=_locale())


def phone_display(value: str) -> str:
    """+79141234567 → +7 914 123-45-67."""
    if len(value) == 12 and value.startswith("+79") and value[1:].isdigit():
        # Russian mobiles (most of a list): the same grouping phonenumbers gives, 50× faster.
        d = value[2:]
        return f"+7 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}"
    import phonenumbers

    try:
        return phonenumbers.format_number(phonenumbers.parse(value, "RU"),
                                          phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return value


def tz_label(event) -> str:
    """E.g. 'UTC+9, Asia/Yakutsk'."""
    offset = event.starts_at.astimezone(event.tz).utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset else 0
    return f"UTC{hours:+d}, {event.timezone}"


def links_for(event) -> list[dict]:
    """The organiser-card links (registered by the features) the signed-in user may open."""
    allowed = {"manage": current_user.can_manage(event), "check_in": current_user.can_check_in(event)}
    return [
        {"url": url_for(link.endpoint, slug=event.slug), "label": link.label}
        for link in features().manage_links
        if allowed[link.right] and link.endpoint in current_app.view_functions
    ]


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        event_datetime=event_datetime, event_date=event_date, event_time=event_time,
        phone=phone_display,
        reject_page=lambda args: {k: v for k, v in args.items() if k != "page"},
    )

    app.add_url_rule("/favicon.ico", "favicon", _favicon)

    @app.context_processor
    def inject():
        return {
            "ROLE_LABELS": ROLE_LABELS,
            "STATUS_LABELS": STATUS_LABELS,
            "current_locale": _locale(),
            "tz_label": tz_label,
            "lang_url": lambda lang: _lang_url(lang),
            "manage_links": links_for,
            "app_version": __version__,
            "partials": lambda slot: features().partials.get(slot, []),
            **features(app).template_globals,
        }


def _lang_url(lang: str) -> str:
    args = request.args.to_dict()
    args["lang"] = lang
    return request.path + "?" + urlencode(args)


def _favicon():
    """/favicon.ico, which browsers ask for on their own."""
    from flask import current_app, send_from_directory

    return send_from_directory(str(current_app.static_folder), "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)
