"""Seed data beyond the starter topics: the scale world used by load tests (see scale.py)."""
