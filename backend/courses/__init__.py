"""Courses, enrolments and assignments."""
