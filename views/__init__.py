"""Blueprints: auth (login, passwords, SMS codes), learner (/me/), portal (public pages)."""


def register_blueprints(app):
    # learner_conversions adds its routes to learner.bp: imported before that is registered.
    from views import account, auth, files, institution, learner, learner_conversions, portal  # noqa: F401

    for module in (auth, account, files, institution, learner, portal):
        app.register_blueprint(module.bp)
