"""The audit log: who did what to which record, with details (read-only in the admin)."""
from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.local import LocalProxy

from models import AuditLog, now
from services.core import bulk

# The attributes that name a record, in order of preference: an entry written with one
# says which record it was even after the record is renamed or deleted.
NAMING_ATTRIBUTES = ("real_name", "name", "title", "original_name")
NAMING_DETAILS = ("name", "title", "username", "code", "rule")


def _name_of(obj):
    for attribute in NAMING_ATTRIBUTES:
        value = obj.__data__.get(attribute) if hasattr(obj, "__data__") else None
        if value:
            return str(value)[:100]
    return None


def record(action, obj=None, user=None, **details):
    if isinstance(obj, LocalProxy):  # current_user: the entry names the user, not the proxy
        obj = obj._get_current_object()
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    if obj is not None and not any(details.get(key) for key in NAMING_DETAILS):
        name = _name_of(obj)
        if name:
            details = {"name": name, **details}
    AuditLog.create(
        user=user,
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        details=details or None,
        ip=request.remote_addr if has_request_context() else None,
    )


def record_many(action, object_type, object_ids, user=None, **details):
    """One entry per id of ``object_type`` (a set-based decision), in one INSERT."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    bulk.insert_chunked(AuditLog, ({"object_id": object_id} for object_id in object_ids),
                        user=getattr(user, "id", user), action=action, object_type=object_type,
                        details=details or None, ip=request.remote_addr if has_request_context() else None,
                        created_at=now())


# --- the log in words (the center's 审计日志 and its export) ------------------------------
# Action codes are stored as written by the code; these tables give each its words. An
# unknown code (a future action) is shown as stored rather than hidden.

ACTIONS = {
    "login": _l("Logged in"),
    "avatar_changed": _l("Changed the picture"),
    "faq_saved": _l("Saved an online answer"),
    "faq_deleted": _l("Deleted an online answer"),
    "faq_category_saved": _l("Saved an online answer category"),
    "faq_category_deleted": _l("Deleted an online answer category"),
    "login_failed": _l("Failed login"),
    "api_token_created": _l("Created an API token"),
    "api_token_revoked": _l("Revoked an API token"),
    "conversion_revocation": _l("Revoke a conversion"),
    "conversion_revoked": _l("Revoked a passed conversion"),
    "achievement_revoked": _l("Revoked an achievement a conversion granted"),
    "application_closed": _l("Closed an application whose source was withdrawn"),
    "api_call": _l("Called the institution API"),
    "import_result_downloaded": _l("Downloaded an import result workbook"),
    "activation_requested": _l("Asked to activate an account by e-mail"),
    "publication_commitment_read": _l("Read and accepted the publication commitment"),
    "register": _l("Registered a personal account"),
    "activate": _l("Activated an account"),
    "activation_approved": _l("Approved an e-mail activation request"),
    "activation_refused": _l("Refused an e-mail activation request"),
    "password_changed": _l("Changed the password"),
    "password_set": _l("Set the password at first login"),
    "password_reset": _l("Reset a password"),
    "phone_changed": _l("Changed the bound mobile number"),
    "achievement_added": _l("Added an achievement"),
    "achievement_modified": _l("Modified an achievement"),
    "achievement_deleted": _l("Deleted an achievement"),
    "achievement_withdrawn": _l("Withdrew a learner achievement"),
    "recognition_submitted": _l("Applied for recognition"),
    "conversion_submitted": _l("Applied for conversion"),
    "performance_submitted": _l("Applied for performance conversion"),
    "batch_submitted": _l("Applied for a batch conversion"),
    "review_recognition": _l("Recognition review"),
    "review_initial": _l("Conversion initial review"),
    "review_final": _l("Conversion final review"),
    "review_performance": _l("Performance conversion review"),
    "review_batch": _l("Institution review of a batch conversion"),
    "certificate_printed": _l("Printed a conversion certificate"),
    "credential_issued": _l("Downloaded a verifiable credential"),
    "signing_key_created": _l("Created a credential signing key"),
    "record_statement_issued": _l("Downloaded a learning record statement"),
    "share_link_created": _l("Created a share link"),
    "share_link_extended": _l("Extended a share link"),
    "share_link_revoked": _l("Revoked a share link"),
    "reports_rebuilt": _l("Rebuilt the statistics reports"),
    "feedback_added": _l("Raised feedback"),
    "feedback_handled": _l("Handled feedback"),
    "import": _l("Imported a workbook"),
    "export": _l("Exported a list"),
    "job_cancelled": _l("Cancelled a background job"),
    "job_retried": _l("Retried a background job"),
    "password_link_sent": _l("Sent a link to set the password"),
    "article_created": _l("Created an article"),
    "article_updated": _l("Modified an article"),
    "article_deleted": _l("Deleted an article"),
    "article_published": _l("Published an article"),
    "article_draft": _l("Took an article off the portal"),
    "category_created": _l("Created an achievement category"),
    "category_updated": _l("Modified an achievement category"),
    "category_deleted": _l("Deleted an achievement category"),
    "framework_level_saved": _l("Saved a qualifications framework level"),
    "catalogue_created": _l("Created a catalogue achievement"),
    "catalogue_changed": _l("Changed a catalogue achievement's status"),
    "catalogue_recognising": _l("Marked a catalogue achievement as being recognised"),
    "catalogue_recognised": _l("Marked a catalogue achievement as recognised"),
    "catalogue_unrecognised": _l("Marked a catalogue achievement as not recognised"),
    "catalogue_deleted": _l("Deleted a catalogue achievement"),
    "institution_achievement_stored": _l("Stored an institution achievement"),
    "institution_achievement_deleted": _l("Deleted an institution achievement"),
    "learner_achievement_stored": _l("Stored a learner achievement"),
    "learner_account_created": _l("Added a learner account"),
    "learner_account_changed": _l("Modified a learner account"),
    "learner_account_deleted": _l("Deleted a learner account"),
    "method_created": _l("Saved a conversion method"),
    "method_updated": _l("Modified a conversion method"),
    "method_published": _l("Published a conversion method"),
    "method_unpublished": _l("Unpublished a conversion method"),
    "method_deleted": _l("Deleted a conversion method"),
    "rule_created": _l("Saved a conversion rule"),
    "rule_updated": _l("Modified a conversion rule"),
    "rule_versioned": _l("Changed a published conversion rule (new version)"),
    "rule_published": _l("Published a conversion rule"),
    "rule_taken_down": _l("Took down a conversion rule"),
    "rule_deleted": _l("Deleted a conversion rule"),
    "staff_created": _l("Created a staff account"),
    "staff_changed": _l("Modified a staff account"),
    "account_active": _l("Enabled an account"),
    "account_disabled": _l("Disabled an account"),
    "subuser_created": _l("Added a sub-user"),
    "subuser_changed": _l("Modified a sub-user"),
    "subuser_deleted": _l("Deleted a sub-user"),
    "subuser_active": _l("Enabled a sub-user"),
    "subuser_disabled": _l("Disabled a sub-user"),
    "subuser_password_reset": _l("Reset a sub-user's password"),
    "institution_created": _l("Created an institution"),
    "institution_updated": _l("Modified an institution"),
    "institution_active": _l("Enabled an institution"),
    "institution_disabled": _l("Disabled an institution"),
    "institution_authorised": _l("Authorised institution types"),
    "institution_account_created": _l("Created an institution account"),
    "institution_info_changed": _l("Modified the institution information"),
    "institution_registered": _l("Registered an institution account"),
    "institution_registration_completed": _l("Submitted an institution registration"),
    "institution_approved": _l("Approved an institution registration"),
    "institution_refused": _l("Refused an institution registration"),
}

OBJECTS = {
    "Application": _l("Application"),
    "AuditLog": _l("Audit log"),
    "CatalogueAchievement": _l("Catalogue achievement"),
    "Category": _l("Achievement classification"),
    "ConversionBatch": _l("Batch conversion application"),
    "ConversionMethod": _l("Conversion method"),
    "ConversionRule": _l("Conversion rule"),
    "Feedback": _l("Feedback"),
    "FrameworkLevel": _l("Qualifications framework level"),
    "ImportBatch": _l("Import record"),
    "Job": _l("Background job"),
    "Institution": _l("Organisation"),
    "LearnerAchievement": _l("Learner achievement"),
    "SigningKey": _l("Credential signing key"),
    "RecordStatement": _l("Learning record statement"),
    "ShareLink": _l("Share link"),
    "Article": _l("Article"),
    "User": _l("User"),
    "ApiToken": _l("API token"),
    "Attachment": _l("Attachment"),
    "Message": _l("Message"),
    "IssuedCredential": _l("Verifiable credential"),
    "FaqEntry": _l("Online answer"),
    "FaqCategory": _l("Online answer category"),
}

DETAILS = {
    "items": _l("Records"),
    "days": _l("Days"),
    "name": _l("Name of the record"),
    "code": _l("Code"),
    "title": _l("Title"),
    "username": _l("Username"),
    "role": _l("Role"),
    "rule": _l("Rule code"),
    "version": _l("Rule version"),
    "target": _l("Target achievement"),
    "catalogue": _l("Catalogue achievement"),
    "category": _l("Achievement subcategory"),
    "type": _l("Achievement type"),
    "kind": _l("Import kind"),
    "fields": _l("Fields"),
    "before": _l("Before"),
    "after": _l("After"),
    "old": _l("Before"),
    "new": _l("After"),
    "decision": _l("Decision"),
    "opinion": _l("Review opinion"),
    "reason": _l("Reason"),
    "file": _l("File"),
    "result": _l("Handling result"),
    "accepted": _l("Rows imported"),
    "rejected": _l("Rows not imported"),
    "applications": _l("Number of applications"),
    "permissions": _l("Menus"),
    "granted": _l("Granted"),
    "revoked": _l("Revoked authorisations"),
    "level": _l("Framework level"),
    "learner": _l("Learner"),
    "institution": _l("Organisation"),
    "id_number": _l("ID number"),
    "achievement": _l("Achievement"),
    "achievement_id": _l("Achievement"),
    "view": _l("List"),
    "rows": _l("Rows"),
    "filter": _l("Filter conditions"),
    "selected": _l("Selected rows"),
    "kid": _l("Key id"),
    "credential": _l("Credential id"),
    "endpoint": _l("Interface"),
    "method": _l("Request"),
    "scope": _l("Token scope"),
    "identity": _l("Identity"),
    "identifier": _l("Login account"),
    "status": _l("Status"),
    "changed": _l("Changed fields"),
    "job": _l("Job number"),
    "count": _l("Items"),
    "batch": _l("Import record number"),
    "search": _l("Search"),
    "skipped": _l("Skipped (already applied)"),
    "starter": _l("Started by"),
}
# Account fields (账号管理's 修改 lists the ones it changed).
USER_FIELDS = {"department": _l("Department"), "institution": _l("Organisation"), "phone": _l("Mobile"),
               "real_name": _l("Real name"), "role": _l("Role"), "teaching_point": _l("Teaching point"),
               "email": _l("Email"), "username": _l("Username"), "status": _l("Account status")}

# Values stored as codes, in words: API endpoints, request methods, why a login failed.
ENDPOINTS = {
    "api.applications": _l("Read conversion applications"),
    "api.records": _l("Read conversion records"),
    "api.rules": _l("Read conversion rules"),
    "api.push_achievements": _l("Push learner achievements"),
}
METHODS = {"GET": _l("Read"), "POST": _l("Write"), "PUT": _l("Write"), "DELETE": _l("Delete")}
REASONS = {
    "AccountError": _l("Wrong account or password, or the account cannot log in"),
    "Throttled": _l("Too many attempts"),
    "CodeError": _l("Wrong verification code"),
}
IDENTITIES = {"person": _l("Individual user"), "institution": _l("Institution user")}
