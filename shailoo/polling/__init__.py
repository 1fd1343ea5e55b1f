"""Election day: devices, identification events, turnout, station status."""
