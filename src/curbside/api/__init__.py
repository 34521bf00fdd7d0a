"""The web service (FastAPI): JSON API, patient page and condition pages."""
