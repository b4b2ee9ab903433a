"""Exercises as the platform sees them: published package versions and their statements."""
