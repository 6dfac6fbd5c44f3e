"""Blueprints: auth (login, passwords, SMS codes), learner (/me/), portal (public pages), health (/healthz)."""


def register_blueprints(app):
    # learner_conversions adds its routes to learner.bp: imported before that is registered.
    from views import account, auth, files, health, institution, learner, learner_conversions, portal, portal_content  # noqa: F401
    from views import learner_credits  # noqa: F401  (issue 19: adds /me/credits to learner.bp)

    for module in (auth, account, files, health, institution, learner, portal, portal_content):
        app.register_blueprint(module.bp)
    from views import api

    api.init(app)  # /api/v1/ and its OpenAPI document (flask-smorest)
