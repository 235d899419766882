"""Dispatch: assign teams to one or many simultaneous incidents by capability, quantity and deadline.

Owns the solver-level problem records and their JSON file (``problem``), the rules every dispatcher
shares (``rules``: who may go where, what counts, what a pair costs), the result types and the one
evaluation of a plan (``result``), the model stated once as integer rows (``formulation``), the two
exact engines that read it (``engines``: CP-SAT and HiGHS), the lexicographic optimiser that picks an
engine by model size (``optimiser``) and the greedy baseline (``greedy``), both of which return
``result`` types, incidents as a dispatcher enters them
(``requests``), the pricing of a scenario's candidate assignments with the ledger's compensation
function and the ledger of a plan (``pricing``), and the adaptor from a scenario and incidents on the
map to a problem and back to routes and a ledger (``scenario``). Who is own forces, which agreement
applies, what a deployment costs and who pays come from ``planner.sharing``; imports
``planner.sharing``, ``planner.scenario``, ``planner.model`` and ``geodata``.
"""
