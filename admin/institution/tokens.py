"""账户管理 › 接口令牌: the institution account's tokens for /api/v1/ — the list
(name, scope, created, last used, revoked), 新建 (the token is shown once, on the answer to
the creation, and kept only as a hash) and 撤销 with a confirmation. Sub-users have no
access: a token reaches every menu of the institution."""
from flask import abort, flash, make_response, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, Length

from admin.base import SecureForm
from admin.institution.base import MENU_ACCOUNT, InstitutionPage
from models import ApiToken, ApiTokenScope
from services.accounts import api_tokens, permissions
from services.core.pagination import paginate


class ApiTokenForm(SecureForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("What the token is for, e.g. the system that uses it"))
    scope = RadioField(_l("Token scope"), choices=ApiTokenScope.choices, default=ApiTokenScope.READ,
                       validators=[DataRequired()])


class RevokeForm(SecureForm):
    id = HiddenField(validators=[DataRequired()])


class ApiTokenView(InstitutionPage):
    roles = permissions.API_TOKEN_MANAGERS

    def _render(self, form, token=None):
        page = paginate(api_tokens.for_institution(current_user.institution_id), request.args,
                        {"created": ApiToken.created_at}, default_sort="-created")
        response = make_response(self.render(
            "admin/institution/api_tokens.html", form=form, page=page, token=token, revoke_form=RevokeForm(),
            docs_url=url_for("api-docs.openapi_json")))
        response.headers["Cache-Control"] = "no-store"  # the page may carry a token in clear
        return response

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = ApiTokenForm()
        token = None
        if form.validate_on_submit():
            _row, token = api_tokens.create(current_user.institution_id, form.name.data.strip(), form.scope.data,
                                            current_user._get_current_object())
            flash(_("The API token was created. Copy it now: it is shown only this once."), "success")
            form = ApiTokenForm(formdata=None)
        return self._render(form, token)

    @expose("/revoke/", methods=("POST",))
    def revoke(self):
        form = RevokeForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            token_id = int(form.id.data)
        except ValueError:
            abort(404)
        if not api_tokens.revoke(token_id, current_user.institution_id, current_user._get_current_object()):
            abort(404)  # another institution's token, or one already revoked
        flash(_("The API token was revoked; calls with it are refused from now on."), "success")
        return redirect(url_for(".index"))


def register(admin):
    admin.add_view(ApiTokenView(name=_l("API tokens"), category=MENU_ACCOUNT, endpoint="inst_api_tokens"))
