"""Input-output analysis: labour values and gross requirements, by sparse methods."""
