"""Domain events: what happened, never who must react. Modules `send` these; receivers are
connected in one place, hirebench.wiring, when an app is created, so the web, the workers and
the CLI react alike. No receiver may depend on the order in which blinker calls receivers.

Every signal is sent with the object it is about as the sender, and its keyword arguments are
plain values (ids), so a receiver never needs the sender's module to read them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Some evidence about a candidate changed (an answer scored, a review or interview settled, an
#: invitation, feedback). sender: the object that changed; kwargs: candidate_id.
evidence_changed = _signals.signal("evidence-changed")

#: A job profile was saved. sender: the Job; kwargs: job_id, version.
job_profile_saved = _signals.signal("job-profile-saved")

#: Every required review of an item is in and its score is settled. sender: the ReviewItem;
#: kwargs: item_id, candidate_id.
review_settled = _signals.signal("review-settled")

#: A candidate's attempt was closed, by the candidate or at the deadline. sender: the Attempt;
#: kwargs: attempt_id, candidate_id.
attempt_submitted = _signals.signal("attempt-submitted")

#: A grading job reached done or failed. sender: None (grading knows no domain objects);
#: kwargs: job_id, grader_ref.
grading_finished = _signals.signal("grading-finished")

#: An offer changed status (docs/offers.md: draft, awaiting_approval, approved, sent, accepted,
#: declined, expired, withdrawn). Sent inside the transaction that changed it. sender: the
#: Offer; kwargs: offer_id, candidate_id, job_id, status (the new one), previous (or None for a
#: new offer), actor_id (the user who acted, or None for the system, e.g. expiry).
offer_status_changed = _signals.signal("offer-status-changed")

#: Every task of a new hire's onboarding checklist is done. sender: the Onboarding; kwargs:
#: onboarding_id, offer_id, candidate_id.
onboarding_completed = _signals.signal("onboarding-completed")

#: A new hire's first day arrived (the start date, reached with onboarding not withdrawn).
#: sender: the Onboarding; kwargs: onboarding_id, offer_id, candidate_id.
hire_started = _signals.signal("hire-started")

#: A reviewer was assigned a review item. sender: the ReviewAssignment; kwargs: assignment_id,
#: item_id, reviewer_id.
review_assigned = _signals.signal("review-assigned")

#: An interview was scheduled (or a panelist added to one). sender: the Interview; kwargs:
#: interview_id, candidate_id, interviewer_ids (a tuple of user ids).
interview_scheduled = _signals.signal("interview-scheduled")

#: A scorecard's recommendation changed to a settled value (hire, hire_with_training, hold or
#: reject; not pending). sender: the CandidateScorecard; kwargs: application_id, candidate_id,
#: job_id, recommendation, previous.
recommendation_reached = _signals.signal("recommendation-reached")

#: HR (or the CLI) changed a candidate's accommodation: extra time, breaks or the note. It
#: applies to attempts not yet started. sender: the User; kwargs: candidate_id.
accommodation_changed = _signals.signal("accommodation-changed")

#: HR gave a started attempt more time; its deadline moved. sender: the Attempt; kwargs:
#: attempt_id, candidate_id, minutes.
attempt_extended = _signals.signal("attempt-extended")

#: HR moved an application to another stage of the pipeline, rejected it or reopened it
#: (hirebench.jobs.pipeline). Sent inside the transaction that changed it, once per application
#: of a bulk move. sender: the Application; kwargs: application_id, candidate_id, job_id, stage
#: (the one it is at now), previous (the one before; the same for a rejection or reopening),
#: rejected (whether it is rejected now), actor_id.
application_moved = _signals.signal("application-moved")
