"""WTForms forms shared by several areas. Area-specific forms live beside their views."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    Field,
    FloatField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from hirebench.exams import accommodations
from hirebench.exams.accommodations import Accommodation, AccommodationError
from hirebench.models import Role
from hirebench.services.accounts import MIN_PASSWORD_LENGTH, AccountError, normalize_email
from hirebench.web.labels import ROLE_LABELS


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


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Language"), choices=[SelectChoice("en", "English"), SelectChoice("zh_Hans", "简体中文")]
    )


CUSTOM_FACTOR = "custom"


class AccommodationForm(FlaskForm):
    """Extra time, breaks and HR's note (exams/accommodations.py), on the invitation and on
    the candidate's page. The service checks the limits; `accommodation()` hangs its message
    on the field it is about."""

    extra_time = SelectField(
        _l("Extra time"),
        choices=[SelectChoice("1", _l("None"))]
        + [SelectChoice(f"{f:g}", f"×{f:g}") for f in accommodations.FACTOR_CHOICES]
        + [SelectChoice(CUSTOM_FACTOR, _l("Another factor…"))],
        default="1",
    )
    custom_factor = FloatField(
        _l("Custom factor"),
        validators=[Optional()],
        render_kw={"inputmode": "decimal"},
        description=_l(
            "Between %(low)s and %(high)s, e.g. 1.75.",
            low=f"{accommodations.MIN_FACTOR:g}",
            high=f"{accommodations.MAX_FACTOR:g}",
        ),
    )
    break_count = IntegerField(
        _l("Breaks"),
        validators=[Optional()],
        default=0,
        render_kw={"min": 0, "max": accommodations.MAX_BREAKS},
        description=_l("Pause-able breaks during each timed exam; 0 for none."),
    )
    break_minutes = IntegerField(
        _l("Minutes per break"),
        validators=[Optional()],
        render_kw={
            "min": accommodations.MIN_BREAK_MINUTES,
            "max": accommodations.MAX_BREAK_MINUTES,
        },
        description=_l(
            "%(low)d to %(high)d minutes; the exam's clock stops meanwhile.",
            low=accommodations.MIN_BREAK_MINUTES,
            high=accommodations.MAX_BREAK_MINUTES,
        ),
    )
    accommodation_note = TextAreaField(
        _l("Note for HR"),
        validators=[Optional(), Length(max=accommodations.MAX_NOTE)],
        description=_l(
            "Seen by HR only: not by the candidate, reviewers or interviewers in the app. "
            "It is included in the candidate's own copy of their data."
        ),
    )

    def fill_from(self, current: Accommodation) -> None:
        known = {f"{f:g}" for f in (1.0, *accommodations.FACTOR_CHOICES)}
        factor = f"{current.extra_time_factor:g}"
        self.extra_time.data = factor if factor in known else CUSTOM_FACTOR
        self.custom_factor.data = None if factor in known else current.extra_time_factor
        self.break_count.data = current.break_count
        self.break_minutes.data = current.break_minutes or None
        self.accommodation_note.data = current.note

    def accommodation(self) -> Accommodation | None:
        """The accommodation asked for, checked; None, with the message on its field, when
        it is refused."""
        choice = self.extra_time.data or "1"
        if choice == CUSTOM_FACTOR and self.custom_factor.data is None:
            self.custom_factor.errors = [_l("Enter the factor, e.g. 1.75.")]
            return None
        wanted = Accommodation(
            extra_time_factor=self.custom_factor.data if choice == CUSTOM_FACTOR else float(choice),
            break_count=self.break_count.data or 0,
            break_minutes=self.break_minutes.data or 0,
            note=self.accommodation_note.data or "",
        )
        try:
            return accommodations.checked(wanted)
        except AccommodationError as exc:
            self.accommodation_error(exc)
            return None

    def accommodation_error(self, exc: AccommodationError) -> None:
        fields = {
            accommodations.FACTOR: self.custom_factor
            if self.extra_time.data == CUSTOM_FACTOR
            else self.extra_time,
            "break_count": self.break_count,
            "break_minutes": self.break_minutes,
            "note": self.accommodation_note,
        }
        field = fields.get(exc.field, self.extra_time)
        field.errors = [*field.errors, str(exc)]


class ExtendAttemptForm(FlaskForm):
    """More time for an attempt under way, with the reason (audited)."""

    minutes = IntegerField(
        _l("Minutes to add"),
        render_kw={"min": 1, "max": accommodations.MAX_EXTENSION_MINUTES},
        validators=[InputRequired(message=_l("Enter the minutes to add."))],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Say why the attempt gets more time.")),
            Length(max=accommodations.MAX_REASON),
        ],
    )


class InviteForm(AccommodationForm):
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
        # A blank first choice that fails validation: a role is a deliberate choice, and the
        # first real option (admin) must not be the one a hurried form submits.
        choices=[SelectChoice("", _l("Choose a role"))]
        + [SelectChoice(r.value, ROLE_LABELS[r.value]) for r in Role.staff()],
        validators=[DataRequired(message=_l("Choose a role."))],
    )
    password = PasswordField(
        _l("Password (leave empty to generate one)"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
    )


class EditUserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r.value, ROLE_LABELS[r.value]) for r in Role.staff()],
        validators=[DataRequired()],
    )


class ConsentForm(FlaskForm):
    """The consent screen before an exam: starting (or resuming) needs the box ticked."""

    consent = BooleanField(
        _l("I have read how this exam is timed and what is recorded, and I agree."),
        validators=[DataRequired(message=_l("Tick the box to confirm before you start."))],
    )


class PortfolioForm(FlaskForm):
    title = StringField(_l("Project title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("What the project was about"), validators=[DataRequired(), Length(max=8000)]
    )
    role = TextAreaField(_l("Your role in it"), validators=[DataRequired(), Length(max=4000)])
    data_volume = StringField(
        _l("Data volume (for example: 120,000 labelled images)"),
        validators=[DataRequired(), Length(max=200)],
    )
    results = TextAreaField(
        _l("Results (for example: recommendation accuracy +20%)"),
        validators=[DataRequired(), Length(max=4000)],
    )
    repo_url = StringField(
        _l("Repository URL (optional; reviewers open it themselves)"),
        validators=[Optional(), Length(max=500)],
    )
    files = MultipleFileField(
        _l("Files: PDF, images, notebooks (.ipynb), CSV, Markdown or zip archives")
    )


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes instead of a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssignReviewerForm(FlaskForm):
    reviewer_id = SelectField(_l("Reviewer"), coerce=int, validators=[DataRequired()])


class KitForm(FlaskForm):
    job_id = SelectField(_l("Job"), coerce=int, validators=[DataRequired()])
    stage = StringField(
        _l("Stage (for example: behavioural-1)"), validators=[DataRequired(), Length(max=64)]
    )
    title = StringField(_l("Kit title"), validators=[DataRequired(), Length(max=200)])
    questions = MultiCheckboxField(
        _l("Questions"),
        validators=[DataRequired(message=_l("Choose at least one question for the kit."))],
    )


class ScheduleInterviewForm(FlaskForm):
    kit_id = SelectField(_l("Interview kit"), coerce=int, validators=[DataRequired()])
    candidate_id = SelectField(_l("Candidate"), coerce=int, validators=[DataRequired()])
    interviewer_ids = MultiCheckboxField(
        _l("Interview panel"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose at least one interviewer."))],
    )
    scheduled_at = DateTimeLocalField(
        _l("When (UTC, optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )


class RubricForm(FlaskForm):
    text = TextAreaField(
        _l("Rubric (YAML, see docs/rubric-format.md)"),
        validators=[DataRequired(), Length(max=200_000)],
    )


class FeedbackForm(FlaskForm):
    text = TextAreaField(
        _l("Feedback (for example: strong technically, communication needs work)"),
        validators=[DataRequired(), Length(max=4000)],
    )


class ResumeUploadForm(FlaskForm):
    files = MultipleFileField(_l("Resumes: PDF, DOCX or TXT, in Chinese or English"))


class OverrideForm(FlaskForm):
    include = HiddenField(default="1")
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
