"""All models, imported so that metadata (and Alembic autogenerate) sees every table."""

from hirebench.models.attempts import Answer, Attempt, AttemptStatus, IntegrityEvent
from hirebench.models.audit import AuditEvent
from hirebench.models.exams import Exam, ExamVersion
from hirebench.models.grading import GradingJob, GradingMode, JobStatus
from hirebench.models.jobs import Job
from hirebench.models.people import Invitation, Role, User

__all__ = [
    "Answer",
    "Attempt",
    "AttemptStatus",
    "AuditEvent",
    "Exam",
    "ExamVersion",
    "GradingJob",
    "GradingMode",
    "IntegrityEvent",
    "Invitation",
    "Job",
    "JobStatus",
    "Role",
    "User",
]
