"""The product's vital signs, computed from the database: what the admin dashboard shows and /metrics exports."""
from app.metrics.vital_signs import (
    TARGETS,
    Backlog,
    Daily,
    Generation,
    ProviderOutcome,
    VitalSigns,
    moderation_backlog,
    vital_signs,
    writers_since,
)

__all__ = ["TARGETS", "Backlog", "Daily", "Generation", "ProviderOutcome", "VitalSigns", "moderation_backlog",
           "vital_signs", "writers_since"]
