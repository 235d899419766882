"""Errors raised by the geodata layer; each subclasses a built-in so callers may catch either."""


class GeodataError(ValueError):
    """Geographic input that cannot be used: a corrupt file, an empty network, a point off the map."""


class SnapError(GeodataError):
    """A point lies farther from the road network than the allowed snapping distance."""
