"""The FastAPI application: app factory, shared templates, static assets, translations."""
