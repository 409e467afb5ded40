"""HTTP around the app: settings, public origin, headers, errors, health, and gunicorn."""
