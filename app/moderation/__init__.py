"""Moderation: the pre-generation prompt filter (``prompt_filter``) and, later, post-generation checks."""
