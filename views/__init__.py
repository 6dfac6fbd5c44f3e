"""Blueprints: auth (login, passwords, SMS codes), learner (/me/), portal (public pages), health (/healthz)."""


def register_blueprints(app):
    # learner.conversions and learner.credits add their routes to learner.bp: imported before that is registered.
    from views import account, auth, files, health, institution, learner, portal, portal_content
    from views.learner import conversions, credits  # noqa: F401

    for module in (auth, account, files, health, institution, learner, portal, portal_content):
        app.register_blueprint(module.bp)
    from views import api

    api.init(app)  # /api/v1/ and its OpenAPI document (flask-smorest)
