"""Segment generation: one durable GenerationJob per segment, run by RQ in resumable stages."""
