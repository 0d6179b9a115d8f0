"""All models, imported so that metadata (and Alembic autogenerate) sees every table."""

from hirebench.models.audit import AuditEvent
from hirebench.models.exams import Exam, ExamVersion
from hirebench.models.grading import GradingJob, GradingMode, JobStatus
from hirebench.models.jobs import Job
from hirebench.models.people import Invitation, Role, User

__all__ = [
    "AuditEvent",
    "Exam",
    "ExamVersion",
    "GradingJob",
    "GradingMode",
    "Invitation",
    "Job",
    "JobStatus",
    "Role",
    "User",
]
