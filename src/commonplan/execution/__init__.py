"""Execution: what workplaces report of carrying out an adopted plan (output, inputs used, hours
worked, stocks), checked and placed in periods, and which reports are due and missing. Pure
rules over plain data; the acts that store reports are in app.acts.reports."""
