"""Staff login and logout."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import check_csrf, csrf, db, limiter, login_manager
from .forms import LoginForm
from .models import User
from .services import authenticate, end_sessions

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    """The user of a session or remember-me cookie, unless it was ended since or the account disabled.

    The cookie holds "<id>:<session version>" (User.get_id); logout and a password change bump
    the version, so every cookie issued before them is refused.
    """
    ident, _sep, version = user_id.partition(":")
    if not (ident.isdigit() and version.isdigit() and len(ident) < 19):
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.is_active or str(user.session_version or 0) != version:
        return None
    return user


def _login_limit():
    return current_app.config["RATELIMIT_LOGIN"]


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("manage.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@csrf.exempt  # checked below, after the rate limit, so refused attempts count too
def login():
    """Staff sign in: organisers and door volunteers."""
    check_csrf()
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=True)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Неверная почта или пароль."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out here and everywhere: every earlier session and remember-me cookie stops working."""
    end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    return redirect(url_for("events.index"))
