"""Elections, their contests, status history and electoral-system configuration."""
