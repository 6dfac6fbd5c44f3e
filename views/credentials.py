"""Verifiable credentials: the learner's downloads (下载可验证凭证), the public
key set, the issuer profile, the revocation status lists, and the check of a credential
file or pasted JWT at /verify (services/credentials)."""
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import AchievementStatus, Application, ApplicationKind, ApplicationStatus, LearnerAchievement
from services.accounts.permissions import LEARNER, roles_required
from services.credentials import claims, keys, status, verify

bp = Blueprint("credentials", __name__)

VC_JWT = "application/vc+jwt"
# What other verifiers fetch (keys, issuer, status lists): cacheable, readable from any origin.
PUBLIC_HEADERS = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
STATE_LABELS = {
    verify.VALID: _l("Valid credential"),
    verify.REVOKED: _l("Revoked credential"),
    verify.EXPIRED: _l("Expired credential"),
    verify.INVALID: _l("Invalid credential"),
}


def _deliver(build, subject, name, back):
    """The signed credential as a file; back to the page with the reason when the signing
    key cannot be read (SECRET_KEY changed without a new key)."""
    try:
        token = build(subject)
    except keys.KeyUnavailable:
        current_app.logger.exception("credential signing key unavailable")
        flash(_("Credentials cannot be signed at the moment; please try again later."), "danger")
        return redirect(back)
    return token, 200, {
        "Content-Type": VC_JWT,
        "Content-Disposition": f'attachment; filename="{name}.jwt"',
        "Cache-Control": "no-store",
    }


@bp.route("/me/credentials/achievements/<int:achievement_id>.jwt")
@roles_required(LEARNER)
def achievement_credential(achievement_id):
    """下载可验证凭证 of one of my recognised achievements (another learner's id: 404)."""
    item = LearnerAchievement.get_or_none(LearnerAchievement.id == achievement_id,
                                          LearnerAchievement.learner == current_user.id)
    if item is None:
        abort(404)
    back = url_for("learner.achievement", achievement_id=item.id)
    if item.status not in (AchievementStatus.CATALOGUE, AchievementStatus.RECOGNISED):
        flash(_("Only a recognised achievement has a verifiable credential."), "warning")
        return redirect(back)
    return _deliver(claims.achievement_credential, item, f"credential-achievement-{item.id}", back)


@bp.route("/me/credentials/conversions/<int:application_id>.jwt")
@roles_required(LEARNER)
def conversion_credential(application_id):
    """下载可验证凭证 of one of my passed conversions: the conversion certificate, signed."""
    application = Application.get_or_none(Application.id == application_id, Application.learner == current_user.id)
    if (application is None or application.kind == ApplicationKind.RECOGNITION
            or application.status != ApplicationStatus.PASSED):
        abort(404)
    back = url_for("learner.achievement", achievement_id=application.achievement_id)
    return _deliver(claims.conversion_credential, application, f"credential-conversion-{application.id}", back)


@bp.route("/.well-known/jwks.json")
def jwks():
    """The public keys credentials are signed with (every key ever used, newest first)."""
    response = jsonify(keys.jwks())
    response.headers.update(PUBLIC_HEADERS)
    return response


@bp.route("/credentials/keys/<kid>")
def key(kid):
    """One public key as a JWK: what a credential's ``kid`` (this URL) dereferences to."""
    row = keys.find(kid)
    if row is None:
        abort(404)
    response = jsonify(keys.public_jwk(row))
    response.headers.update(PUBLIC_HEADERS)
    response.mimetype = "application/jwk+json"
    return response


@bp.route("/credentials/issuer")
def issuer():
    """The issuer profile (OB 3.0 Profile) every credential names."""
    profile = claims.issuer_profile().to_dict()
    response = jsonify({"@context": ["https://www.w3.org/ns/credentials/v2",
                                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"], **profile})
    response.headers.update(PUBLIC_HEADERS)
    return response


@bp.route("/credentials/status/<int:number>")
def status_list(number):
    """A revocation status list (Bitstring Status List), signed, as it stands now."""
    if number not in status.lists():
        abort(404)
    return status.status_list_token(number), 200, {**PUBLIC_HEADERS, "Content-Type": VC_JWT,
                                                   "Cache-Control": "public, max-age=60"}


@bp.route("/verify", methods=["POST"])
def verify_credential():
    """证书验证 of a verifiable credential: an uploaded file or a pasted JWT."""
    try:
        token = verify.read_token(request.files.get("credential"), request.form.get("jwt"))
    except verify.InputError as error:
        return render_template("portal/verify_form.html", credential_error=str(error)), 400
    if verify.is_presentation(token):  # a 学习档案 as one presentation
        outcome = verify.verify_presentation(token)
        return render_template("portal/verify_presentation.html", outcome=outcome, labels=STATE_LABELS,
                               label=STATE_LABELS[outcome.state])
    outcome = verify.verify(token)
    return render_template("portal/verify_credential.html", outcome=outcome, label=STATE_LABELS[outcome.state])
