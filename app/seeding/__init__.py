"""Seed data beyond the topic catalogue: the demo content that makes a fresh site worth a first look
(demo.py), and the production-size world used by load tests (scale.py)."""
