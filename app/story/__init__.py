"""The story domain: scenes as branches over a tree of immutable segments."""
