"""Submissions: accepting attempts, grading them in the background, showing their results."""
