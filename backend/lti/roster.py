"""Names and Role Provisioning: the course's roster from the LMS, page by page, so the gradebook
lists students who have not launched Kadai yet."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from backend.courses import service as courses
from backend.courses.repository import CourseRepository
from backend.errors import Invalid
from backend.lti import platform_client
from backend.lti.launch import account_for, course_role
from backend.lti.repository import LtiRepository
from backend.models._common import utcnow

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
# A platform that pages without end is stopped here.
MAX_PAGES = 200


@dataclass
class RosterReport:
    pages: int = 0
    members: int = 0
    added: int = 0
    inactive: int = 0


def sync(session: Session, course_id: int) -> RosterReport:
    """Enrols every active member of each LMS context linked to the course."""
    contexts = [
        c for c in LtiRepository(session).contexts_of_course(course_id) if c.memberships_url
    ]
    if not contexts:
        raise Invalid(
            "No LMS launch from this course offered the roster service yet.",
            "このコースの LMS 起動には、まだ名簿サービスが含まれていません。",
        )
    course = CourseRepository(session).get(course_id)
    assert course is not None
    report = RosterReport()
    for context in contexts:
        platform = LtiRepository(session).platform(context.platform_id)
        assert platform is not None
        token = platform_client.access_token(session, platform, [NRPS_SCOPE])
        url: str | None = context.memberships_url
        while url and report.pages < MAX_PAGES:
            platform_client.require_platform_url(platform, url)
            members, url = platform_client.membership_page(token, url)
            report.pages += 1
            for member in members:
                report.members += 1
                if member.get("status", "Active") != "Active" or not member.get("user_id"):
                    report.inactive += 1
                    continue
                role = course_role(member.get("roles") or [])
                user = account_for(
                    session,
                    platform,
                    str(member["user_id"]),
                    str(member.get("name") or member.get("given_name") or ""),
                    str(member.get("email") or ""),
                    role,
                )
                if CourseRepository(session).enrollment(course.id, user.id) is None:
                    report.added += 1
                    courses.enroll(session, course, user, role)
        context.roster_synced_at = utcnow()
    return report
