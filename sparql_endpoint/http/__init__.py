"""HTTP around the app: settings, public origin, language, headers, errors, health, gunicorn."""
