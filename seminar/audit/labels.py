"""How the log page names each action and shows each time."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..templating import event_datetime

AUDIT_ACTIONS = {
    "registration.add": _l("добавил(а) участника"),
    "registration.edit": _l("изменил(а) данные"),
    "registration.email": _l("подтвердил(а) новый адрес"),
    "registration.approve": _l("подтвердил(а) заявку"),
    "registration.cancel": _l("отменил(а) регистрацию"),
    "registration.seat": _l("посадил(а) из листа ожидания"),
    "registration.promote": _l("место из листа ожидания"),
    "registration.import": _l("импортировал(а) список"),
    "event.limits": _l("изменил(а) лимиты мест"),
    "export.csv": _l("выгрузил(а) CSV"),
    "export.xlsx": _l("выгрузил(а) XLSX"),
    "export.api": _l("получил(а) список через API"),
    "bulk.approve": _l("подтвердил(а) выбранных"),
    "bulk.cancel": _l("отменил(а) выбранных"),
    "bulk.role": _l("сменил(а) роль выбранным"),
    "bulk.printed": _l("отметил(а) бейджи напечатанными"),
    "bulk.resend": _l("отправил(а) личные ссылки"),
    "checkin.undo": _l("отменил(а) отметку о входе"),
    "certificate.revoke": _l("отозвал(а) сертификат"),
    "certificate.restore": _l("восстановил(а) сертификат"),
    "token.create": _l("создал(а) API-токен"),
    "token.revoke": _l("отозвал(а) API-токен"),
    "staff.add": _l("добавил(а) сотрудника"),
    "staff.remove": _l("убрал(а) сотрудника"),
    "event.clone": _l("создал(а) копию мероприятия"),
}


def audit_time(moment: datetime, event=None) -> str:
    """In the event's time zone when there is one, else UTC."""
    if event is not None:
        return event_datetime(moment, event, "dd.MM.yyyy HH:mm:ss")
    return moment.strftime("%d.%m.%Y %H:%M:%S UTC")
