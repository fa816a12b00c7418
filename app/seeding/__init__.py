"""Seed data beyond the topic catalogue: content that makes a fresh site worth a first look."""
