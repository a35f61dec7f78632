"""Built-in plugins, registered exactly like third-party ones (see
``ostiary.plugins.DEFAULT_PLUGINS``); each can be blocked by its name."""
