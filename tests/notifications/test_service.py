"""The notification service: both channels unless muted, each channel muted on its own, the
reader's language at display time, the recipient's language in mail, the bell's capped count,
and notify joining the caller's transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale

from hirebench.extensions import db
from hirebench.models import AuditEvent, Notification, User
from hirebench.models.base import utcnow
from hirebench.notifications import kinds, service
from hirebench.notifications.service import Channels
from hirebench.services.errors import ServiceError
from tests.factories import row
from tests.notifications.conftest import inbox, mails

PARAMS = {"candidate": "Chen", "job": "AI trainer", "recommendation": "hire", "previous": ""}
LINK = "/hr/jobs/1/candidates/2"


def test_notify_writes_a_row_and_an_outbox_mail(staff: dict[str, User]) -> None:
    hr = staff["hr"]
    made = service.notify(hr, kinds.RECOMMENDATION_REACHED, PARAMS, LINK)
    db.session.commit()
    assert made is not None and made.read_at is None
    [note] = inbox(hr)
    assert (note.kind, note.params, note.link) == (kinds.RECOMMENDATION_REACHED, PARAMS, LINK)
    [mail] = mails(hr.email)
    assert mail.subject == "Chen: Hire"
    assert "Hello Hanna HR," in mail.body
    assert "The scorecard of Chen for AI trainer now recommends: Hire." in mail.body
    assert "http://hirebench.test" + LINK in mail.body
    assert "http://hirebench.test/notifications/preferences" in mail.body


@pytest.mark.parametrize(
    ("channels", "rows", "mailed"),
    [
        (Channels(app=False, mail=True), 0, 1),
        (Channels(app=True, mail=False), 1, 0),
        (Channels(app=False, mail=False), 0, 0),
    ],
)
def test_each_channel_is_muted_on_its_own(
    staff: dict[str, User], channels: Channels, rows: int, mailed: int
) -> None:
    hr, other = staff["hr"], staff["hr2"]
    service.save_preferences(hr, {kinds.RECOMMENDATION_REACHED: channels})
    service.notify_all([hr, other], kinds.RECOMMENDATION_REACHED, PARAMS, LINK)
    db.session.commit()
    assert (len(inbox(hr)), len(mails(hr.email))) == (rows, mailed)
    # The mute is one user's, for one kind: the colleague and the other kinds are untouched.
    assert (len(inbox(other)), len(mails(other.email))) == (1, 1)
    service.notify(hr, kinds.OFFER_ACCEPTED, {"candidate": "C", "job": "J"}, LINK)
    db.session.commit()
    assert [n.kind for n in inbox(hr)][-1] == kinds.OFFER_ACCEPTED


def test_preferences_read_back_and_are_audited(staff: dict[str, User]) -> None:
    hr = staff["hr"]
    assert set(service.preferences(hr).values()) == {Channels()}
    service.save_preferences(
        hr, {kinds.OFFER_DECLINED: Channels(app=True, mail=False)}, ip="10.0.0.1"
    )
    service.save_preferences(hr, {kinds.OFFER_ACCEPTED: Channels(app=False, mail=True)})
    prefs = service.preferences(hr)
    assert prefs[kinds.OFFER_DECLINED] == Channels(app=True, mail=False)
    assert prefs[kinds.OFFER_ACCEPTED] == Channels(app=False, mail=True)
    assert prefs[kinds.REVIEW_ASSIGNED] == Channels()
    audited = db.session.query(AuditEvent).filter_by(action="notifications.preferences").all()
    assert [e.detail["muted_mail"] for e in audited] == [[kinds.OFFER_DECLINED], []]
    with pytest.raises(ServiceError):
        service.save_preferences(hr, {"no_such_kind": Channels()})


def test_nobody_inactive_and_no_candidate_is_notified(staff: dict[str, User]) -> None:
    hr, cand = staff["hr"], staff["cand"]
    hr.active = False
    assert service.notify(hr, kinds.OFFER_ACCEPTED, PARAMS, LINK) is None
    assert service.notify(cand, kinds.OFFER_ACCEPTED, PARAMS, LINK) is None
    db.session.commit()
    assert inbox(hr) == inbox(cand) == [] and mails() == []
    with pytest.raises(ValueError, match="unknown notification kind"):
        service.notify(staff["hr2"], "gossip", PARAMS, LINK)


def test_a_rollback_leaves_no_notification_and_no_mail(staff: dict[str, User]) -> None:
    service.notify(staff["hr"], kinds.OFFER_DECLINED, PARAMS, LINK)
    db.session.rollback()
    assert db.session.query(Notification).count() == 0 and mails() == []


def test_texts_are_in_the_readers_language_when_read(staff: dict[str, User]) -> None:
    note = service.notify(staff["hr"], kinds.RECOMMENDATION_REACHED, PARAMS, LINK)
    db.session.commit()
    assert note is not None
    with force_locale("en"):
        assert kinds.title(note.kind, note.params) == "Chen: Hire"
    with force_locale("zh_Hans"):
        # The recommendation is a code in the row, so it is a word in each reader's language.
        assert kinds.title(note.kind, note.params) == "Chen：录用"


def test_mail_is_in_the_recipients_language_whoever_caused_it(staff: dict[str, User]) -> None:
    hr2 = staff["hr2"]
    hr2.locale = "zh_Hans"
    with force_locale("en"):
        service.notify(hr2, kinds.RECOMMENDATION_REACHED, PARAMS, LINK)
    db.session.commit()
    [mail] = mails(hr2.email)
    assert mail.subject == "Chen：录用"
    assert "李娜，你好：" in mail.body


def test_a_row_missing_a_value_still_reads(staff: dict[str, User]) -> None:
    assert kinds.title(kinds.OFFER_ACCEPTED, {"job": "J"}) == "Offer accepted: ‹candidate›"
    assert kinds.body(kinds.INTERVIEW_SCHEDULED, {"candidate": "C", "kit": "K", "when": ""}) == (
        "You are on the panel of “K” with C, time not set yet."
    )
    assert kinds.title("retired_kind", {}) == "retired_kind"


def test_the_bell_counts_unread_up_to_the_cap(staff: dict[str, User]) -> None:
    hr = staff["hr"]
    assert service.unread_count(hr) == 0
    now = utcnow()
    db.session.add_all(
        Notification(
            user_id=hr.id,
            kind=kinds.OFFER_ACCEPTED,
            params={},
            link=LINK,
            created_at=now - timedelta(minutes=i),
        )
        for i in range(service.BELL_CAP + 5)
    )
    db.session.commit()
    assert service.unread_count(hr) == service.BELL_CAP + 1
    assert service.bell_text(service.unread_count(hr)) == "99+"
    assert service.bell_text(7) == "7"
    first = inbox(hr)[0]
    service.mark_read(hr, first.id)
    assert row(Notification, first.id).read_at is not None
    assert service.mark_all_read(hr) == service.BELL_CAP + 4
    assert service.unread_count(hr) == 0
    assert service.unread_count(staff["hr2"]) == 0


def test_one_users_notification_is_not_found_for_another(staff: dict[str, User]) -> None:
    note = service.notify(staff["hr"], kinds.OFFER_ACCEPTED, PARAMS, LINK)
    db.session.commit()
    assert note is not None
    with pytest.raises(service.NotificationNotFound):
        service.mark_read(staff["hr2"], note.id)
    assert row(Notification, note.id).read_at is None
    assert service.mark_all_read(staff["hr2"]) == 0
    assert row(Notification, note.id).read_at is None
