"""chat layer: the decisions schema, the strategy conversation, its slash commands and terminal."""
