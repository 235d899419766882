"""A region as the planner sees it: records, the road network, the incident library and travel times.

Owns the immutable ``Scenario`` bundle (``model``), where scenario folders are (``paths``), reading and
writing them (``files``), the row-level import preview (``importing``), GeoJSON views of records
(``geojson``), placing records on the road network (``network``), the check every stored scenario passes
(``validity``), travel-time matrices between records (``travel``) and the incident template library
(``library``). Imports ``planner.model``, ``planner.errors`` and ``geodata``; never a domain package above it.
"""
