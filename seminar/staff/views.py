"""The event's staff page, and the page where a new account sets its own password."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import mail
from ..access import managed_event_or_404
from ..audit.web import record_action as _log
from ..auth.models import ApiToken, User
from ..auth.services import (
    add_staff,
    create_token,
    password_token,
    remove_staff,
    revoke_token,
    set_own_password,
    staff_of,
    tokens_of,
    user_for_password_token,
)
from ..extensions import db
from ..links import public_url
from .forms import SetPasswordForm, StaffForm

bp = Blueprint("staff", __name__)


def _bound_user_or_404(event, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or event not in user.events:
        abort(404)
    return user


@bp.get("/manage/events/<slug>/staff")
@login_required
def event_staff(slug, new_token: str | None = None):
    """Accounts of the event, their API tokens and when each was last used."""
    event = managed_event_or_404(slug)
    staff = staff_of(event)
    return render_template("staff/staff.html", event=event, staff=staff, tokens=tokens_of(staff),
                           form=StaffForm(), new_token=new_token)


@bp.post("/manage/events/<slug>/staff")
@login_required
def add(slug):
    """Add a door or organiser account; a new one gets a link to set its own password."""
    event = managed_event_or_404(slug)
    form = StaffForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for(".event_staff", slug=slug))
    user, created = add_staff(event, form.email.data, form.role.data)
    _log("staff.add", event, user_id=user.id, role=user.role, created=created)
    db.session.commit()
    if created:
        _send_password_link(user, event)
        flash(_("Учётная запись создана: на %(email)s отправлена ссылка, чтобы задать пароль.",
                email=user.email), "success")
    else:
        flash(_("%(email)s теперь работает на этом мероприятии (роль прежняя: %(role)s).",
                email=user.email, role=user.role), "success")
    return redirect(url_for(".event_staff", slug=slug))


def _send_password_link(user: User, event) -> None:
    link = public_url("staff.set_password", token=password_token(user, current_app.config["SECRET_KEY"]))
    body = "\n".join([
        _("Здравствуйте!"), "",
        _("Вас добавили в команду мероприятия «%(title)s».", title=event.title),
        _("Задайте пароль по ссылке (она действует 7 дней и работает один раз):"), link, "",
        _("Вход: %(url)s", url=public_url("auth.login")),
    ]) + "\n"
    mail.send(mail.MailSettings.from_config(current_app.config), user.email,
              _("Доступ к мероприятию: %(title)s", title=event.title), body)


@bp.post("/manage/events/<slug>/staff/<int:user_id>/remove")
@login_required
def remove(slug, user_id):
    """Take an account off the event (it can no longer open its pages)."""
    event = managed_event_or_404(slug)
    user = _bound_user_or_404(event, user_id)
    if user.id == current_user.id:
        flash(_("Нельзя убрать с мероприятия самого себя."), "error")
        return redirect(url_for(".event_staff", slug=slug))
    remove_staff(event, user)
    _log("staff.remove", event, user_id=user.id)
    db.session.commit()
    flash(_("%(email)s больше не работает на этом мероприятии.", email=user.email), "success")
    return redirect(url_for(".event_staff", slug=slug))


@bp.post("/manage/events/<slug>/staff/<int:user_id>/tokens")
@login_required
def new_token(slug, user_id):
    """A new API token for a door phone or a script; shown once on the page that follows."""
    event = managed_event_or_404(slug)
    user = _bound_user_or_404(event, user_id)
    token = create_token(user)
    _log("token.create", event, user_id=user.id)
    db.session.commit()
    return event_staff(slug, new_token=token)


@bp.post("/manage/events/<slug>/tokens/<int:token_id>/revoke")
@login_required
def revoke(slug, token_id):
    """Revoke an API token of one of the event's accounts."""
    event = managed_event_or_404(slug)
    api_token = db.session.get(ApiToken, token_id)
    if api_token is None:
        abort(404)
    _bound_user_or_404(event, api_token.user_id)
    _log("token.revoke", event, user_id=api_token.user_id, token_id=api_token.id)
    revoke_token(api_token.id)
    db.session.commit()
    flash(_("Токен отозван."), "success")
    return redirect(url_for(".event_staff", slug=slug))


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token):
    """A new staff member sets their own password from the e-mailed link."""
    user = user_for_password_token(token, current_app.config["SECRET_KEY"])
    if user is None:
        return render_template("staff/password_link_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        set_own_password(user, form.password.data)
        db.session.commit()
        flash(_("Пароль задан. Войдите с ним."), "success")
        return redirect(url_for("auth.login"))
    return render_template("staff/set_password.html", form=form, email=user.email)
