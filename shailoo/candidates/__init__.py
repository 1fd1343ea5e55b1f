"""Parties, nominations, candidate lists, quota checks, ballot lottery, ballots."""
