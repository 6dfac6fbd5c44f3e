"""Blueprints: auth (login, passwords, SMS codes), learner (/me/), portal (public pages)."""


def register_blueprints(app):
    from views import account, auth, files, institution, learner, portal, portal_content

    for module in (auth, account, files, institution, learner, portal, portal_content):
        app.register_blueprint(module.bp)
