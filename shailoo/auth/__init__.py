"""Users, roles, territorial scopes, API tokens and the one authorisation check."""
