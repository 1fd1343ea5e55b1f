"""Domain-free helpers: streaming CSV import, hashing, text keys for search and sorting."""
