"""The audit log: who changed which grade, role, enrolment, deadline, override, course or exercise."""
