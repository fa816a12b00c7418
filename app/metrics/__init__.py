"""The product's vital signs, computed from the database: what the admin dashboard shows and /metrics exports."""
from app.metrics.recent import recent_vital_signs
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
           "recent_vital_signs", "vital_signs", "writers_since"]
