"""Every enum of stored codes with its translatable labels (statuses, kinds, roles, levels)."""
from flask_babel import lazy_gettext as _l

from models.base import Choice, Choices


class Role(Choices):
    LEARNER = Choice("learner", _l("Learner"))
    CENTER = Choice("center", _l("Center staff"))
    REVIEWER = Choice("reviewer", _l("Teaching-point administrator"))
    COMMITTEE = Choice("committee", _l("Committee member"))
    INSTITUTION = Choice("institution", _l("Institution account"))
    SUBUSER = Choice("subuser", _l("Institution sub-user"))


STAFF_ROLES = {Role.CENTER, Role.REVIEWER, Role.COMMITTEE}
INSTITUTION_ROLES = {Role.INSTITUTION, Role.SUBUSER}


class AccountStatus(Choices):
    INACTIVE = Choice("inactive", _l("Not activated"))
    ACTIVE = Choice("active", _l("Activated"))
    DISABLED = Choice("disabled", _l("Disabled"))


class Gender(Choices):
    MALE = Choice("male", _l("Male"))
    FEMALE = Choice("female", _l("Female"))


class IdType(Choices):
    MAINLAND_ID = Choice("id_card", _l("Resident ID card"))
    PASSPORT = Choice("passport", _l("Passport"))
    HK_MACAO = Choice("hk_macao", _l("Mainland travel permit for HK/Macao residents"))
    TAIWAN = Choice("taiwan", _l("Mainland travel permit for Taiwan residents"))


class InstitutionKind(Choices):
    COLLEGE = Choice("college", _l("College"))
    TRAINING = Choice("training", _l("Training body"))
    EXAM = Choice("exam", _l("Examination body"))
    TEACHING_POINT = Choice("teaching_point", _l("Teaching point"))
    REVIEW_BODY = Choice("review_body", _l("Review body"))
    PROVINCE_DEPT = Choice("province_dept", _l("Provincial education department"))


class InstitutionStatus(Choices):
    UNREGISTERED = Choice("unregistered", _l("Not registered"))
    DRAFT = Choice("draft", _l("Registration draft"))
    PENDING = Choice("pending", _l("Awaiting approval"))
    REFUSED = Choice("refused", _l("Registration not approved"))
    ACTIVE = Choice("active", _l("Active"))
    DISABLED = Choice("disabled", _l("Disabled"))


class CategoryKind(Choices):
    DEGREE = Choice("degree", _l("Degree education"))
    NON_DEGREE = Choice("non_degree", _l("Non-degree education"))
    INFORMAL = Choice("informal", _l("Informal learning"))


class CategoryScope(Choices):
    LEARNER = Choice("learner", _l("Learner categories"))
    INSTITUTION = Choice("institution", _l("Institution types"))


class Level(Choices):
    """层次: the seven education levels. ``NAMES`` are their Chinese names as field schemas
    (the 层次 option lists) and spreadsheets spell them, whatever the UI language."""

    PRIMARY = Choice("primary", _l("Primary school"))
    JUNIOR = Choice("junior", _l("Junior secondary"))
    SENIOR = Choice("senior", _l("Senior secondary (vocational)"))
    ASSOCIATE = Choice("associate", _l("Associate (higher vocational)"))
    BACHELOR = Choice("bachelor", _l("Bachelor"))
    MASTER = Choice("master", _l("Master"))
    DOCTOR = Choice("doctor", _l("Doctorate"))

    NAMES = {
        PRIMARY: "小学",
        JUNIOR: "初中",
        SENIOR: "高中(中职/中技)",
        ASSOCIATE: "专科(高职)",
        BACHELOR: "本科",
        MASTER: "硕士",
        DOCTOR: "博士",
    }

    @classmethod
    def code_of(cls, name):
        """The code of the level with this Chinese name (None for none)."""
        return next((str(code) for code, known in cls.NAMES.items() if known == name), None)


class RecognitionStatus(Choices):
    """认定状态 of a catalogue achievement."""

    UNRECOGNISED = Choice("unrecognised", _l("Not recognised"))
    RECOGNISING = Choice("recognising", _l("Being recognised"))
    RECOGNISED = Choice("recognised", _l("Recognised"))


class AchievementStatus(Choices):
    """成果状态 of a learner achievement (SPEC §4)."""

    CATALOGUE = Choice("catalogue", _l("Catalogue achievement"))
    NOT_APPLIED = Choice("not_applied", _l("Not applied"))
    UNDER_REVIEW = Choice("under_review", _l("Under recognition"))
    RECOGNISED = Choice("recognised", _l("Recognised"))
    REFUSED = Choice("refused", _l("Recognition refused"))
    WITHDRAWN = Choice("withdrawn", _l("Withdrawn"))
    # Granted by a conversion that was revoked since (services/ledger/revocation.py): kept
    # and readable, no longer counted or valid.
    REVOKED = Choice("revoked", _l("Revoked"))


class AchievementSource(Choices):
    SELF = Choice("self", _l("Self-added"))
    INSTITUTION = Choice("institution", _l("Stored by institution"))
    IMPORT = Choice("import", _l("Imported"))
    CONVERSION = Choice("conversion", _l("Obtained by conversion"))


class PublishStatus(Choices):
    """States of a conversion method."""

    UNPUBLISHED = Choice("unpublished", _l("Unpublished"))
    PUBLISHED = Choice("published", _l("Published"))


class RuleStatus(Choices):
    DRAFT = Choice("draft", _l("Not submitted"))
    PUBLISHED = Choice("published", _l("Published"))
    WITHDRAWN = Choice("withdrawn", _l("Taken down"))
    # An earlier version of a rule that has been changed since (services/rule_versions.py).
    SUPERSEDED = Choice("superseded", _l("Earlier version"))


class ApiTokenScope(Choices):
    READ = Choice("read", _l("Read only"))
    WRITE = Choice("write", _l("Read and write"))


class RuleType(Choices):
    NON_DEGREE_TO_DEGREE = Choice("nd2d", _l("Non-degree to degree"))
    DEGREE_TO_NON_DEGREE = Choice("d2nd", _l("Degree to non-degree"))
    DEGREE_TO_DEGREE = Choice("d2d", _l("Degree to degree"))
    NON_DEGREE_TO_NON_DEGREE = Choice("nd2nd", _l("Non-degree to non-degree"))


class ApplicationKind(Choices):
    RECOGNITION = Choice("recognition", _l("Recognition"))
    CONVERSION = Choice("conversion", _l("Learner conversion"))
    PERFORMANCE = Choice("performance", _l("Performance conversion"))
    BATCH = Choice("batch", _l("Institution batch conversion"))


class ApplicationStatus(Choices):
    PENDING = Choice("pending", _l("Pending review"))
    INITIAL_PASSED = Choice("initial_passed", _l("Initial review passed"))
    PASSED = Choice("passed", _l("Review passed"))
    REFUSED = Choice("refused", _l("Review not passed"))
    # Closed by the ledger: its achievement was withdrawn or revoked while it waited, or a
    # passed conversion revoked since (revoked_at, revoked_reason say when and why).
    REVOKED = Choice("revoked", _l("Revoked"))
    # Withdrawn by the learner before its first decision.
    WITHDRAWN = Choice("withdrawn", _l("Withdrawn"))


class ReviewStage(Choices):
    RECOGNITION = Choice("recognition", _l("Recognition review"))
    INITIAL = Choice("initial", _l("Conversion initial review"))
    FINAL = Choice("final", _l("Conversion final review"))
    PERFORMANCE = Choice("performance", _l("Performance conversion review"))
    BATCH = Choice("batch", _l("Institution batch review"))


class Decision(Choices):
    AGREE = Choice("agree", _l("Agree"))
    DISAGREE = Choice("disagree", _l("Disagree"))


class ActivationStatus(Choices):
    """账户审核 of an e-mail activation request (manual 003)."""

    PENDING = Choice("pending", _l("Awaiting account review"))
    APPROVED = Choice("approved", _l("Review passed"))
    REFUSED = Choice("refused", _l("Review not passed"))


class FeedbackStatus(Choices):
    OPEN = Choice("open", _l("Unresolved"))
    RESOLVED = Choice("resolved", _l("Resolved"))
    REJECTED = Choice("rejected", _l("Rejected"))


class ArticleKind(Choices):
    NEWS = Choice("news", _l("News"))
    GUIDE = Choice("guide", _l("Business guide"))
    REGULATION = Choice("regulation", _l("Regulations"))
    SUPPORT = Choice("support", _l("Service support"))  # one page each: /support and /about
    ABOUT = Choice("about", _l("About us"))


class ArticleStatus(Choices):
    DRAFT = Choice("draft", _l("Draft"))
    PUBLISHED = Choice("published", _l("Published"))


class SmsStatus(Choices):
    PENDING = Choice("pending", _l("Waiting to be sent"))
    SENDING = Choice("sending", _l("Sending"))
    SENT = Choice("sent", _l("Sent"))
    FAILED = Choice("failed", _l("Not delivered"))
    # The gateway may have taken it (a timeout after the request left): its delivery
    # report decides before anything is sent again (services.sms_gateway).
    UNKNOWN = Choice("unknown", _l("Delivery unknown"))


class SmsPurpose(Choices):
    REGISTER = Choice("register", _l("Registration"))
    ACTIVATE = Choice("activate", _l("Activation"))
    RESET_PASSWORD = Choice("reset_password", _l("Password reset"))
    CHANGE_PASSWORD = Choice("change_password", _l("Password change"))
    CHANGE_PHONE = Choice("change_phone", _l("Phone change"))
    EXPORT = Choice("export", _l("Export"))
    LOGIN = Choice("login", _l("Login"))
    NOTICE = Choice("notice", _l("Notice"))


class Permission(Choices):
    """Menus an institution sub-user may be granted (用户管理)."""

    ACHIEVEMENTS = Choice("achievements", _l("Institution achievements"))
    LEARNER_ACHIEVEMENTS = Choice("learner_achievements", _l("Learner achievements"))
    LEARNER_ACCOUNTS = Choice("learner_accounts", _l("Learner accounts"))
    FEEDBACK = Choice("feedback", _l("Feedback"))
    METHODS = Choice("methods", _l("Conversion methods"))
    RULES = Choice("rules", _l("Conversion rules"))
    REVIEWS = Choice("reviews", _l("Conversion application review"))
    RECORDS = Choice("records", _l("Conversion records"))
    MESSAGES = Choice("messages", _l("My messages"))


class JobStatus(Choices):
    QUEUED = Choice("queued", _l("Queued"))
    RUNNING = Choice("running", _l("Running"))
    DONE = Choice("done", _l("Done"))
    FAILED = Choice("failed", _l("Failed"))
    CANCELLED = Choice("cancelled", _l("Cancelled"))
