"""Sharing across regional borders: agreements, rates, payer rules, compensation and the ledger.

The one place that decides who is own forces, which agreement applies, what a deployment costs and who
pays (R-COST, R-AGREEMENT). Dispatch prices candidate assignments with it and builds its ledger from it.
Imports only ``planner.errors`` and ``planner.model``.
"""
