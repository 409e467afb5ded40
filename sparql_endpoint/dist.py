"""Placeholder: loads a built dist/ into app.extensions['backend']."""


def init_app(app):
    app.extensions["backend"] = app.config["BACKEND"]
