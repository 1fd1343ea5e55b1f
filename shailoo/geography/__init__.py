"""Regions, territorial and district commissions, polling stations (in the country and abroad)."""
