"""Swappable external services: video renderers and prompt expanders."""
