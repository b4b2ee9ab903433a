"""Kadai's web platform: FastAPI routers → services (plain Python) → repositories (SQLAlchemy).

It talks to the grader only through ``grader.engine.Grader`` and ``grader.contract``.
"""
