"""The REST API (docs/api.md): thin routes over the use cases of app/, one module per resource."""
