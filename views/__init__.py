"""Blueprints: auth (login, passwords, SMS codes), learner (/me/), portal (public pages), health (/healthz)."""


def register_blueprints(app):
    # learner_conversions adds its routes to learner.bp: imported before that is registered.
    from views import account, auth, credentials, files, health, institution, learner, learner_conversions, portal, portal_content  # noqa: F401,E501

    for module in (auth, account, credentials, files, health, institution, learner, portal, portal_content):
        app.register_blueprint(module.bp)
