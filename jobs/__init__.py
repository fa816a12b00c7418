"""RQ job functions: plain functions taking ids, run by `flask worker` inside the app context."""
