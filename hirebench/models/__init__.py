"""All models, imported so that metadata (and Alembic autogenerate) sees every table."""

from hirebench.models.api_tokens import ApiToken
from hirebench.models.attempts import (
    PENDING_ANSWER_STATES,
    Answer,
    AnswerState,
    Attempt,
    AttemptStatus,
    IntegrityEvent,
)
from hirebench.models.audit import AuditEvent

# Imported for its table only, not re-exported: only hirebench.analytics reads group data.
from hirebench.models.demographics import GroupData as _GroupData  # noqa: F401
from hirebench.models.exams import Exam, ExamVersion, GraderFile
from hirebench.models.feedback import ExamSurvey, Feedback
from hirebench.models.grading import GradingJob, GradingMode, JobStatus
from hirebench.models.integrity import (
    SimilarityDecision,
    SimilarityPair,
    SimilarityRun,
    SimilarityStatus,
)
from hirebench.models.interviews import (
    Interview,
    InterviewKit,
    InterviewQuestion,
    Panelist,
    Recommendation,
    Scorecard,
)
from hirebench.models.jobs import Application, CandidateScorecard, Job, JobProfile
from hirebench.models.notifications import Notification, NotificationMute
from hirebench.models.offers import Offer, OfferStatus, OfferVersion
from hirebench.models.onboarding import Onboarding, OnboardingTask
from hirebench.models.outbox import (
    DeliveryStatus,
    MailStatus,
    OutgoingMail,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from hirebench.models.people import Invitation, Role, User
from hirebench.models.performance import PerformanceRating
from hirebench.models.portfolios import Portfolio, PortfolioFile
from hirebench.models.privacy import ConsentPurpose, ConsentRecord, LegalHold, PrivacyRequest
from hirebench.models.reviews import (
    CommentBankEntry,
    Review,
    ReviewAssignment,
    ReviewItem,
    ReviewKind,
    Rubric,
)
from hirebench.models.screening import Resume

__all__ = [
    "PENDING_ANSWER_STATES",
    "Answer",
    "AnswerState",
    "ApiToken",
    "Application",
    "Attempt",
    "AttemptStatus",
    "AuditEvent",
    "CandidateScorecard",
    "CommentBankEntry",
    "ConsentPurpose",
    "ConsentRecord",
    "DeliveryStatus",
    "Exam",
    "ExamSurvey",
    "ExamVersion",
    "Feedback",
    "GraderFile",
    "GradingJob",
    "GradingMode",
    "IntegrityEvent",
    "Interview",
    "InterviewKit",
    "InterviewQuestion",
    "Invitation",
    "Job",
    "JobProfile",
    "JobStatus",
    "LegalHold",
    "MailStatus",
    "Notification",
    "NotificationMute",
    "Offer",
    "OfferStatus",
    "OfferVersion",
    "Onboarding",
    "OnboardingTask",
    "OutgoingMail",
    "Panelist",
    "PerformanceRating",
    "Portfolio",
    "PortfolioFile",
    "PrivacyRequest",
    "Recommendation",
    "Resume",
    "Review",
    "ReviewAssignment",
    "ReviewItem",
    "ReviewKind",
    "Role",
    "Rubric",
    "Scorecard",
    "SimilarityDecision",
    "SimilarityPair",
    "SimilarityRun",
    "SimilarityStatus",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookMessage",
]
