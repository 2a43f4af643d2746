"""The democratic rules as plain functions over plain data: refusals, the public lottery, elections,
recall, the pay rule, the shares of work, priority tiers, councils (and budgets, rotation).

Pure domain: no I/O, no web framework, ORM or CLI; randomness and clocks are injected.
The methods are documented for councils in docs/democracy.md.
"""
