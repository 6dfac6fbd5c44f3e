"""Blueprints: auth (login, passwords, SMS codes), learner (/me/), portal (public pages)."""


def register_blueprints(app):
    from views import auth, files, learner, portal

    for module in (auth, files, learner, portal):
        app.register_blueprint(module.bp)
