"""Protocols, control checks, aggregation, seat allocation, publication and exports."""
