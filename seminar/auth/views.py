"""Staff login and logout."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from ..extensions import check_csrf, csrf, db, limiter, login_manager
from .forms import LoginForm
from .models import User
from .services import authenticate

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


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
    logout_user()
    return redirect(url_for("events.index"))
