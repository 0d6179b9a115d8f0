"""WTForms forms shared by several areas. Area-specific forms live beside their views."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from hirebench.models import Role
from hirebench.services.accounts import MIN_PASSWORD_LENGTH, AccountError, normalize_email


def valid_email(_form: FlaskForm, field: Field) -> None:
    try:
        field.data = normalize_email(field.data or "")
    except AccountError as exc:
        raise ValidationError(_l("Enter a valid email address.")) from exc


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in"))


class ActionForm(FlaskForm):
    """A form with only a CSRF token, for buttons such as log out."""


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Language"), choices=[SelectChoice("en", "English"), SelectChoice("zh_Hans", "简体中文")]
    )


class InviteForm(FlaskForm):
    name = StringField(_l("Candidate name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Candidate email"), validators=[DataRequired(), Length(max=254), valid_email]
    )
    job_id = SelectField(_l("Job"), coerce=int, validators=[DataRequired()])


class CreateUserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), valid_email])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r.value) for r in Role.staff()],
        validators=[DataRequired()],
    )
    password = PasswordField(
        _l("Password (leave empty to generate one)"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
    )


class ConsentForm(FlaskForm):
    """The consent screen before an exam: starting (or resuming) needs the box ticked."""

    consent = BooleanField(
        _l("I have read how this exam is timed and what is recorded, and I agree."),
        validators=[DataRequired(message=_l("Tick the box to confirm before you start."))],
    )
