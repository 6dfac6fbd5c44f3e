"""Who may open each route: the registry the access matrix (test_access_matrix.py) checks.

Flask-Admin views declare themselves: every admin endpoint belongs to a view whose
``roles`` (and, for institution sub-users, ``permission``) say who may open it. Every other
endpoint must match a pattern below. A new route that matches nothing fails the matrix
with a message asking to declare it here.
"""
from fnmatch import fnmatchcase

from models import Role

PUBLIC = "public"  # anyone, anonymous included
LOGGED_IN = "logged in"  # any logged-in account
# /api/v1/: a bearer token only. No session opens it, whatever the role: every account of
# the matrix (cookie sessions) and anonymous visitors get 401 (tests/api/ checks tokens).
API_TOKEN = "api token"

# endpoint pattern -> PUBLIC, LOGGED_IN or a set of roles. First match wins.
BLUEPRINT_ROUTES = [
    ("static", PUBLIC),
    ("portal.*", PUBLIC),
    ("content.*", PUBLIC),  # the portal's sections: published articles and methods only
    ("health.healthz", PUBLIC),
    ("auth.login", PUBLIC),
    ("auth.logout", PUBLIC),
    ("auth.send_code", PUBLIC),  # public purposes; the own-phone ones check the login
    ("auth.change_password", LOGGED_IN),
    ("account.*", PUBLIC),
    ("institution.register", PUBLIC),
    ("institution.agreement", PUBLIC),  # the registration agreement's text
    ("institution.*", {Role.INSTITUTION}),
    ("learner.credits", {Role.LEARNER}),
    # 学习档案: the learner's own statements and share links (another learner's id: 404).
    ("learner.record_page", {Role.LEARNER}),
    ("learner.issue_statement", {Role.LEARNER}),
    ("learner.statement_pdf", {Role.LEARNER}),
    ("learner.statement_presentation", {Role.LEARNER}),
    ("learner.create_link", {Role.LEARNER}),
    ("learner.extend_link", {Role.LEARNER}),
    ("learner.revoke_link", {Role.LEARNER}),  # 学分账户 (issue 19): the learner's own credits and pathways
    ("learner.*", {Role.LEARNER}),
    # Verifiable credentials: a learner downloads only their own; the key set, the issuer
    # profile, the status lists and the check at /verify are public.
    ("credentials.achievement_credential", {Role.LEARNER}),
    ("credentials.conversion_credential", {Role.LEARNER}),
    ("credentials.*", PUBLIC),
    # Stored files: open to whoever may see the record they belong to (checked per record).
    ("files.show", PUBLIC),
    # A share link's page: anyone holding the unguessable token (no login).
    ("shared.view", PUBLIC),
    # The institution API and its OpenAPI document (public: it describes, never shows data).
    ("api-docs.*", PUBLIC),
    ("api.*", API_TOKEN),
]

# Path arguments and the object whose id the matrix puts there (another owner's).
PATH_ARGUMENTS = {
    "achievement_id": "learner_achievement",
    "application_id": "application",
    "message_id": "message",
    "attachment_id": "attachment",
    "batch_id": "batch",
    "rule_id": "rule",
    "entry_id": "entry",
    "category_id": "category",
    "id": "any",
    "article_id": "any",  # public pages of published articles
    "job_id": "any",  # job pages answer their starter only (tests/excel/test_jobs.py)
    "export_type": "csv",
    "code": "text",
    "kind": "text",
    "filename": "text",
    "number": "any",  # a public revocation status list
    "statement_id": "statement",  # a learner's 学习档案 statement
    "link_id": "share_link",  # a learner's share link
    "token": "text",  # a share link's token
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
    for pattern, access in BLUEPRINT_ROUTES:
        if fnmatchcase(endpoint, pattern):
            return access, None
    return None


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
