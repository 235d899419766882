"""OpenStreetMap readers, each giving a ``geodata.network.RoadNetwork``.

Format detection and the way rules (``reader``), the streaming XML reader (``xml``) and the streaming
PBF reader (``pbf``).

Imports ``geodata.network``, ``geodata.speeds`` and ``geodata.errors`` only.
"""
