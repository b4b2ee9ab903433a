"""Kadai's grader: exercise packages, the hardened Docker sandbox and the grading engine.

It knows nothing of the web application; ``grader.contract`` is the only bridge.
"""
