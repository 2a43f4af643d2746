"""The command line, a package of command modules over the application layer (app/): ``main``
registers them on one typer application and maps every failure to its exit code."""
