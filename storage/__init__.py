"""Storage: the SQLAlchemy tables, one repository module per noun, and the Alembic migrations.

SQL lives here and nowhere else. Repositories take and return the dataclasses of :mod:`core.model`.
"""
