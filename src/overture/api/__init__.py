"""FastAPI application: routers per resource, error mapping, dependencies."""
