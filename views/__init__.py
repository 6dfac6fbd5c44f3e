"""Blueprints: auth (login, passwords, SMS codes), learner (/me/), portal (public pages), shared (a share link's page), health (/healthz)."""


def register_blueprints(app):
    from views import (
        account,
        auth,
        avatar,
        credentials,
        files,
        health,
        institution,
        learner,
        mobile,
        password_email,
        password_link,
        portal,
        portal_content,
        shared,
    )

    for module in (auth, account, avatar, credentials, files, health, institution, learner, mobile, password_email,
                   password_link, portal, portal_content, shared):
        app.register_blueprint(module.bp)
    from views import api

    api.init(app)  # /api/v1/ and its OpenAPI document (flask-smorest)
