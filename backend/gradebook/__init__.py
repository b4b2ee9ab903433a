"""The instructor's gradebook: students × assignments, the score that counts, CSV export."""
