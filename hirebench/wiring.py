"""The one place where modules are told about each other: event receivers, and the hooks that
lower layers (grading) call without importing the domain. create_app calls `connect` once per
process, so web requests, RQ workers and CLI commands share the same wiring."""

from __future__ import annotations

from sqlalchemy import event as sa_event

from hirebench import events
from hirebench.exams import grading_hooks, review_items
from hirebench.extensions import db
from hirebench.handoff import publish as handoff
from hirebench.integrity import jobs as integrity_jobs
from hirebench.jobs import profile_file as job_profile_file
from hirebench.models import CandidateScorecard
from hirebench.notifications import receivers as notifications
from hirebench.offers import service as offers
from hirebench.onboarding import reminders as onboarding_reminders
from hirebench.onboarding import service as onboarding
from hirebench.onboarding import template as onboarding_template
from hirebench.outbox import dispatcher as outbox
from hirebench.privacy import retention as privacy_retention
from hirebench.reviews import workflow as review_workflow
from hirebench.scorecards import service as scorecards
from hirebench.screening import service as screening

_connected = False


def connect() -> None:
    """Connect every receiver. Idempotent: apps made in tests share one process."""
    global _connected
    if _connected:
        return
    _connected = True
    # Receivers are added here, one line each, grouped by the module that reacts.
    # grading: exams resolve `attempt-answer:` graders and close overdue attempts on each sweep.
    grading_hooks.register()
    # scorecards: mark what changed; recompute each marked application once, at commit.
    events.evidence_changed.connect(scorecards.mark_candidate)
    events.job_profile_saved.connect(scorecards.mark_job)
    sa_event.listen(db.session, "before_commit", scorecards.recompute_marked)
    sa_event.listen(db.session, "after_transaction_end", scorecards.forget_marks)
    sa_event.listen(CandidateScorecard, "before_insert", scorecards.copy_sort_keys)
    sa_event.listen(CandidateScorecard, "before_update", scorecards.copy_sort_keys)
    # screening: a changed profile matches every resume of the job again.
    events.job_profile_saved.connect(screening.on_job_profile_saved)
    # outbox: a commit that added webhook or mail rows wakes this process's dispatcher.
    sa_event.listen(db.session, "after_commit", outbox.ring_after_commit)
    sa_event.listen(db.session, "after_rollback", outbox.forget_after_rollback)
    # exams: a settled review scores its answer; exams names its answers' review items.
    events.review_settled.connect(review_items.apply_review)
    for kind in review_items.EXAM_KINDS:
        review_workflow.register_item_title(kind, review_items.item_title)
    # onboarding: an accepted offer starts it, a withdrawn one withdraws it; the worker checks
    # start days and mails reminders; job profiles check their `onboarding:` key with it.
    events.offer_status_changed.connect(onboarding.on_offer_status_changed)
    outbox.register_periodic("onboarding-start-day", onboarding.start_due, 600)
    outbox.register_periodic("onboarding-reminders", onboarding_reminders.send_reminders, 3600)
    job_profile_file.register_key_check("onboarding", onboarding_template.check_inline)
    # offers: the worker marks sent offers past their validity date as expired.
    outbox.register_periodic("offers-expiry", offers.expire_due, 600)
    # handoff: accepted/declined offers and hires go to payroll as webhook events (outbox).
    events.offer_status_changed.connect(handoff.on_offer_status_changed)
    events.onboarding_completed.connect(handoff.on_onboarding_completed)
    events.hire_started.connect(handoff.on_hire_started)
    # notifications: staff hear of assignments, interviews, recommendations and offers.
    events.review_assigned.connect(notifications.on_review_assigned)
    events.interview_scheduled.connect(notifications.on_interview_scheduled)
    events.recommendation_reached.connect(notifications.on_recommendation_reached)
    events.offer_status_changed.connect(notifications.on_offer_status_changed)
    # integrity: the worker compares the submissions of exams that have closed, and runs the
    # similarity runs HR queued; never a web request.
    outbox.register_periodic(
        "integrity-similarity", integrity_jobs.tick, integrity_jobs.EVERY_SECONDS
    )
    # privacy: the worker applies the retention schedule once a day (audited per run).
    outbox.register_periodic(
        "privacy-retention", privacy_retention.tick, privacy_retention.EVERY_SECONDS
    )
