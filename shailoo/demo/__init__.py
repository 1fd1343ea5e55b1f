"""Synthetic country and election generator. Each domain plugs a step in (see registry)."""
