"""The application layer: every use case an edge calls, written once. The computations
(values, requirements, plans, plan variants), the governance acts (acts/), accounts, jobs and
the views the API and the pages share. It uses the core and the store; no edge is imported."""
