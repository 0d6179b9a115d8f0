"""Outgoing mail through Flask-Mailman: SMTP when configured, otherwise a file or console
backend so that a demo works offline."""

from __future__ import annotations

import logging

from flask import render_template
from flask_mailman import EmailMessage

log = logging.getLogger(__name__)


def send_templated(to: str, subject: str, template: str, **context: object) -> None:
    body = render_template(template, **context)
    message = EmailMessage(subject=subject, body=body, to=[to])
    message.encoding = "utf-8"
    message.send(fail_silently=False)
    log.info("mail sent to %s: %s", to, subject)
