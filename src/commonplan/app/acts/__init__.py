"""The acts of the democratic layer, one use case per module, each written with its entry in
the open books in the caller's transaction (an act and its record, or neither). The API, the
pages and the CLI call these same functions; the rules are democracy's."""
