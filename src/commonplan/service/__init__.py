"""The REST API (FastAPI): thin, it checks who asks and calls the domain and the store."""
