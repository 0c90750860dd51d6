"""The insurer backend simulator: an HTTP service (FastAPI) on a real database (SQLAlchemy).

It stands in for the insurer's services the apCV depends on: activation, token
verification, rights (ADRi) and identity (INSi), claims (FSE) and receipts, delegations.
See docs/backend.md.
"""
