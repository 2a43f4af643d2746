"""What the REST API answers, one module per resource: the response models that make
``/openapi.json`` describe every JSON body (docs/api.md), apart from the request models (which
sit by their routes) and from the ORM rows (store.models)."""
