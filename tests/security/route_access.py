"""Who may open each route: the registry the access matrix (test_access_matrix.py) checks.

Flask-Admin views declare themselves: every admin endpoint belongs to a view whose
``roles`` (and, for institution sub-users, ``permission``) say who may open it. Every other
endpoint must be listed below by its own name (no wildcards: a new route in a public
blueprint is not public until declared). A new route listed nowhere fails the matrix with
a message asking to declare it here.
"""
from models import Role

PUBLIC = "public"  # anyone, anonymous included
LOGGED_IN = "logged in"  # any logged-in account
# /api/v1/: a bearer token only. No session opens it, whatever the role: every account of
# the matrix (cookie sessions) and anonymous visitors get 401 (tests/api/ checks tokens).
API_TOKEN = "api token"

LEARNER_ONLY = frozenset({Role.LEARNER})
INSTITUTION_ACCOUNT = frozenset({Role.INSTITUTION})

# endpoint -> PUBLIC, LOGGED_IN, API_TOKEN or a set of roles; one line per route, so that a
# new route, even in a public blueprint, is undeclared until someone decides who may open it.
BLUEPRINT_ROUTES = {
    "static": PUBLIC,
    # The portal and its sections: published articles and methods only.
    "portal.index": PUBLIC,
    "portal.favicon": PUBLIC,
    "portal.rules": PUBLIC,
    "portal.rule": PUBLIC,
    "portal.verify": PUBLIC,
    "content.article": PUBLIC,
    "content.news_list": PUBLIC,
    "content.guide_list": PUBLIC,
    "content.regulation_list": PUBLIC,
    "content.framework": PUBLIC,
    "content.methods": PUBLIC,
    "content.verify_form": PUBLIC,
    "health.healthz": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.send_code": PUBLIC,  # public purposes; the own-phone ones check the login
    "auth.change_password": LOGGED_IN,
    "account.register": PUBLIC,
    "account.activate": PUBLIC,
    "account.activate_by_email": PUBLIC,
    "account.forgot_password": PUBLIC,
    "institution.register": PUBLIC,
    "institution.agreement": PUBLIC,  # the registration agreement's text
    "institution.register_registrant": INSTITUTION_ACCOUNT,
    "institution.register_info": INSTITUTION_ACCOUNT,
    "institution.register_done": INSTITUTION_ACCOUNT,
    # The learner's own pages (/me/).
    "learner.home": LEARNER_ONLY,
    "learner.achievement": LEARNER_ONLY,
    "learner.add_achievement": LEARNER_ONLY,
    "learner.edit_achievement": LEARNER_ONLY,
    "learner.delete_achievement": LEARNER_ONLY,
    "learner.catalogue_search": LEARNER_ONLY,
    "learner.recognition": LEARNER_ONLY,
    "learner.recognition_records": LEARNER_ONLY,
    "learner.submit_recognition": LEARNER_ONLY,
    "learner.conversion": LEARNER_ONLY,
    "learner.conversion_go": LEARNER_ONLY,
    "learner.conversion_apply": LEARNER_ONLY,
    "learner.conversion_progress": LEARNER_ONLY,
    "learner.certificate_pdf": LEARNER_ONLY,
    "learner.withdraw_application": LEARNER_ONLY,  # 撤回: the learner takes back their own application
    "learner.performance": LEARNER_ONLY,
    "learner.performance_apply": LEARNER_ONLY,
    "learner.credits": LEARNER_ONLY,  # 学分账户: the learner's own credits and pathways
    # 学习档案: the learner's own statements and share links (another learner's id: 404).
    "learner.record_page": LEARNER_ONLY,
    "learner.statements_page": LEARNER_ONLY,
    "learner.issue_statement": LEARNER_ONLY,
    "learner.statement_pdf": LEARNER_ONLY,
    "learner.statement_presentation": LEARNER_ONLY,
    "learner.create_link": LEARNER_ONLY,
    "learner.extend_link": LEARNER_ONLY,
    "learner.revoke_link": LEARNER_ONLY,
    "learner.feedback_list": LEARNER_ONLY,
    "learner.add_feedback": LEARNER_ONLY,
    "learner.inbox": LEARNER_ONLY,
    "learner.open_message": LEARNER_ONLY,
    "learner.read_all": LEARNER_ONLY,
    # Verifiable credentials: a learner downloads only their own; the key set, the issuer
    # profile, the status lists and the check at /verify are public.
    # 服务支持, 关于我们, 在线解答 and the model documents: the center's public texts.
    "content.support_page": PUBLIC,
    "content.about_page": PUBLIC,
    "content.faq": PUBLIC,
    "content.document_template": PUBLIC,
    # 学分银行移动应用: the manifest, the service worker and the offline page hold nothing personal.
    "mobile.manifest": PUBLIC,
    "mobile.service_worker": PUBLIC,
    "mobile.offline": PUBLIC,
    # 修改头像: one's own picture only.
    "avatar.change": LOGGED_IN,
    "avatar.show": LOGGED_IN,
    # 找回密码 by e-mail: a signed, single-use link.
    "password_email.request_link": PUBLIC,
    "password_email.reset": PUBLIC,
    "credentials.achievement_credential": LEARNER_ONLY,
    "credentials.conversion_credential": LEARNER_ONLY,
    "credentials.jwks": PUBLIC,
    "credentials.key": PUBLIC,  # one public key, by its thumbprint (a credential's kid)
    "credentials.issuer": PUBLIC,
    "credentials.status_list": PUBLIC,
    "credentials.verify_credential": PUBLIC,
    # Stored files: open to whoever may see the record they belong to (checked per record).
    "files.show": PUBLIC,
    # A share link's page: anyone holding the unguessable token (no login).
    "shared.view": PUBLIC,
    "password_link.set_password": PUBLIC,  # the signed link is the credential
    # The institution API (a bearer token only: no session opens it, whatever the role) and
    # its OpenAPI document (public: it describes, never shows data).
    "api-docs.openapi_json": PUBLIC,
    "api.push_achievements": API_TOKEN,
    "api.applications": API_TOKEN,
    "api.records": API_TOKEN,
    "api.rules": API_TOKEN,
}

# Path arguments and the object whose id the matrix puts there (another owner's).
PATH_ARGUMENTS = {
    "achievement_id": "learner_achievement",
    "application_id": "application",
    "message_id": "message",
    "attachment_id": "attachment",
    "batch_id": "batch",
    "rule_id": "rule",
    "catalogue_achievement_id": "catalogue_achievement",
    "category_id": "category",
    "id": "any",
    "article_id": "any",  # public pages of published articles
    "job_id": "any",  # job pages answer their starter and center staff (tests/excel/test_jobs.py)
    "export_type": "csv",
    "code": "text",
    "token": "text",  # a signed link (找回密码 by e-mail, setting a password): a forged one opens nothing; a share link's token
    "name": "text",  # a model document's name (/templates/<name>.pdf)
    "kid": "text",
    "kind": "text",
    "filename": "text",
    "number": "any",  # a public revocation status list
    "statement_id": "statement",  # a learner's 学习档案 statement
    "link_id": "share_link",  # a learner's share link
}


def declared(endpoint, admin_views):
    """The declared access of ``endpoint``: (roles or PUBLIC/LOGGED_IN, sub-user permission),
    or None when nothing declares it."""
    blueprint = endpoint.split(".", 1)[0]
    view = admin_views.get(blueprint)
    if view is not None:
        if blueprint == "admin" and endpoint == "admin.static":
            return PUBLIC, None
        roles = getattr(view, "roles", None)
        return (frozenset(roles), getattr(view, "permission", None)) if roles else None
    access = BLUEPRINT_ROUTES.get(endpoint)
    return None if access is None else (access, None)


def allows(access, permission, user, granted):
    if access == PUBLIC:
        return True
    if access == API_TOKEN:
        return False
    if user is None:
        return False
    if access == LOGGED_IN:
        return True
    if user.role not in access:
        return False
    return user.role != Role.SUBUSER or permission is None or permission in granted
