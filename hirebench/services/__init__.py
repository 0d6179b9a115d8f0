"""Business logic shared by the web views, the CLI and the workers. No request objects here."""
