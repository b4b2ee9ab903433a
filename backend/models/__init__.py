"""SQLAlchemy models, one table per module; importing this package registers them all."""

from backend.models.api_token import ApiToken
from backend.models.assignment import Assignment, DeadlineOverride
from backend.models.audit_entry import AuditEntry
from backend.models.course import Course, Enrollment
from backend.models.exercise import Exercise, ExerciseVersion
from backend.models.hint_view import HintView
from backend.models.lti_link import LtiAccount, LtiContext, LtiLineItem, LtiNonce, LtiResourceLink
from backend.models.lti_platform import LtiPlatform, LtiToolKey
from backend.models.lti_score_send import LtiScoreSend
from backend.models.regrade_request import RegradeRequest
from backend.models.similarity import SimilarityPair, SimilarityRun
from backend.models.submission import Submission
from backend.models.user import User
from backend.models.user_session import UserSession

__all__ = [
    "ApiToken",
    "Assignment",
    "AuditEntry",
    "Course",
    "DeadlineOverride",
    "Enrollment",
    "Exercise",
    "ExerciseVersion",
    "HintView",
    "LtiAccount",
    "LtiContext",
    "LtiLineItem",
    "LtiNonce",
    "LtiPlatform",
    "LtiResourceLink",
    "LtiScoreSend",
    "LtiToolKey",
    "RegradeRequest",
    "SimilarityPair",
    "SimilarityRun",
    "Submission",
    "User",
    "UserSession",
]
