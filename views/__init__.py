"""Blueprints: auth (login, passwords, SMS codes), learner (/me/), portal (public pages), health (/healthz)."""


def register_blueprints(app):
    # learner.conversions adds its routes to learner.bp: imported before that is registered.
    from views import account, auth, files, health, institution, learner, portal, portal_content
    from views.learner import conversions  # noqa: F401

    for module in (auth, account, files, health, institution, learner, portal, portal_content):
        app.register_blueprint(module.bp)
