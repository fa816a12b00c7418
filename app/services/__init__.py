"""Process-level services the app depends on (embedded Redis, mail)."""
