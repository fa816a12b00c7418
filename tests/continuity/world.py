"""The small story world the continuity tests continue from: its changes up to segment 3."""
from __future__ import annotations

from app.continuity import Change

#: segment 1 opens the scene, segment 2 adds Tom and the lantern, segment 3 adds James
WORLD = (
    Change.create(1, "S1", "style", "Noir"),
    Change.set_attribute(1, "S1", "palette", "black and white"),
    Change.create(1, "L1", "location", "the Old Mill"),
    Change.create(1, "C1", "character", "Mara"),
    Change.set_attribute(1, "C1", "hair", "red"),
    Change.set_attribute(1, "C1", "coat", "blue"),
    Change.create(2, "C2", "character", "Old Tom"),
    Change.add_alias(2, "C2", "Tom"),
    Change.create(2, "P1", "prop", "lantern"),
    Change.set_attribute(2, "P1", "colour", "green"),
    Change.create(2, "L2", "location", "the Harbor"),
    Change.create(3, "C3", "character", "James"),
)

