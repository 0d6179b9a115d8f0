"""All models, imported so that metadata (and Alembic autogenerate) sees every table."""

from hirebench.models.attempts import Answer, Attempt, AttemptStatus, IntegrityEvent
from hirebench.models.audit import AuditEvent
from hirebench.models.exams import Exam, ExamVersion
from hirebench.models.grading import GradingJob, GradingMode, JobStatus
from hirebench.models.interviews import (
    Interview,
    InterviewKit,
    InterviewQuestion,
    Panelist,
    Recommendation,
    Scorecard,
)
from hirebench.models.jobs import Job
from hirebench.models.people import Invitation, Role, User
from hirebench.models.portfolios import Portfolio, PortfolioFile
from hirebench.models.reviews import (
    CommentBankEntry,
    Review,
    ReviewAssignment,
    ReviewItem,
    ReviewKind,
    Rubric,
)

__all__ = [
    "Answer",
    "Attempt",
    "AttemptStatus",
    "AuditEvent",
    "CommentBankEntry",
    "Exam",
    "ExamVersion",
    "GradingJob",
    "GradingMode",
    "IntegrityEvent",
    "Interview",
    "InterviewKit",
    "InterviewQuestion",
    "Invitation",
    "Job",
    "JobStatus",
    "Panelist",
    "Portfolio",
    "PortfolioFile",
    "Recommendation",
    "Review",
    "ReviewAssignment",
    "ReviewItem",
    "ReviewKind",
    "Role",
    "Rubric",
    "Scorecard",
    "User",
]
