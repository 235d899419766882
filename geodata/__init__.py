"""Geographic data in and out, and the road network: readers, graph, snapping, matrices, service areas.

Nothing here knows about rescue teams or drills; ``planner`` builds on these plain functions.
"""
