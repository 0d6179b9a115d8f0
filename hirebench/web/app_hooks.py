"""What every request and page of the app gets: the logged-in user, the language, the security
headers with this response's CSP nonce, and the template globals. create_app installs them."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Response, current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from hirebench.extensions import db, login_manager
from hirebench.models import User
from hirebench.models.base import utcnow
from hirebench.services.accounts import session_matches
from hirebench.web.forms import ActionForm, LanguageForm

# `{nonce}` is filled in per response. CodeMirror 6 injects <style> elements at run time; they
# carry this nonce (the page hands it to the editor through <meta name="csp-nonce">), so styles
# stay limited to our own files and those elements, with no 'unsafe-inline'.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self' 'nonce-{nonce}'",
        "script-src 'self'",
        # The PDF preview's pdf.js worker is a file of ours (static/build/pdfjs), never a blob.
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@login_manager.user_loader
def load_user(user_id: str) -> Any:
    # The id is "<user id>:<session token>" (User.get_id). A cookie from before the last
    # logout, password change or deactivation carries an old token and loads nobody.
    raw_id, _sep, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active or not session_matches(user, token):
        return None
    return user


def select_locale() -> str:
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])  # CLI and workers
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("language")
    if current_user and current_user.is_authenticated and current_user.locale:
        chosen = current_user.locale
    if chosen in languages:
        return str(chosen)
    # Browsers send zh-CN, zh-Hans, zh-SG or plain zh; all read Simplified Chinese here.
    best = request.accept_languages.best_match(["en", "zh", "zh-CN", "zh-Hans", "zh-SG"])
    if best and best.lower().startswith("zh"):
        return "zh_Hans"
    return "en"


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(nonce=csp_nonce()))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HTTPS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user and current_user.is_authenticated:
        # Pages behind a login may hold candidate data; keep them out of shared caches.
        headers.setdefault("Cache-Control", "no-store")
    return response


def csp_nonce() -> str:
    """This request's CSP nonce, made on first use: unguessable and new for every response, so
    a nonce read from one page cannot authorise a style injected into another."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return str(g.csp_nonce)


def template_globals() -> dict[str, Any]:
    locale = get_locale()
    return {
        "languages": current_app.config["LANGUAGES"],
        "current_language": str(locale) if locale else "en",
        "html_lang": "zh-Hans" if locale and locale.language == "zh" else "en",
        "action_form": ActionForm,
        "language_form": LanguageForm,
        "now_utc": utcnow(),
        "csp_nonce": csp_nonce(),
    }
