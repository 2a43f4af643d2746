"""Execution: what workplaces report of carrying out an adopted plan (output, inputs used, hours
worked, stocks), checked and placed in periods, and which reports are due and missing
(``reports``, ``periods``); each target watched, its fulfilment forecast and its breaks from plan
alarmed (``forecast``, for many targets at once ``watching``, run lengths by the Markov-chain
method in ``runlength``); and a simulator of an execution with faults injected (``simulation``,
reading targets with ``plans``). Pure rules and numbers over plain data; the acts that store
reports are in app.acts.reports."""
