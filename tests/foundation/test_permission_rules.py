"""The named rules of services/permissions.py, asked for every role, with the user's own
institution and another one."""
import pytest

from models import Category, CategoryScope, InstitutionAuthorisation, InstitutionStatus, Role, User, UserPermission
from models import Permission as Menu
from services import permissions
from tests import factories

ROLES = Role.codes()


@pytest.fixture
def people(app):
    """One active account of every role; the institution users share one college."""
    college = factories.make_institution()
    users = {role: factories.make_user(role) for role in ROLES}
    for role in (Role.INSTITUTION, Role.SUBUSER):
        User.update(institution=college).where(User.id == users[role].id).execute()
        users[role] = User.get_by_id(users[role].id)
    return users


WHO = {
    "is_learner": {Role.LEARNER},
    "is_center": {Role.CENTER},
    "is_reviewer": {Role.REVIEWER},
    "is_institution_account": {Role.INSTITUTION},
    "is_institution_user": {Role.INSTITUTION, Role.SUBUSER},
    "uses_admin": {Role.CENTER, Role.REVIEWER, Role.COMMITTEE, Role.INSTITUTION, Role.SUBUSER},
    "decides_reviews": set(ROLES) - {Role.CENTER},
}


@pytest.mark.parametrize("rule", sorted(WHO))
def test_who_is_who_for_users_and_bare_roles(people, rule):
    ask = getattr(permissions, rule)
    assert {role for role in ROLES if ask(people[role])} == WHO[rule]
    # Forms and the command line ask about a role before there is an account.
    assert {role for role in ROLES if ask(role)} == WHO[rule]


def test_anonymous_visitors_are_nobody(app):
    from app.factory import Anonymous

    anonymous = Anonymous()
    assert not any(getattr(permissions, rule)(anonymous) for rule in WHO if rule != "decides_reviews")
    assert not permissions.may_edit_institution(anonymous)


def test_only_institution_users_act_for_their_own_institution(people):
    own = people[Role.INSTITUTION].institution_id
    other = factories.make_institution().id
    teaching_point = people[Role.REVIEWER].institution_id
    for role in ROLES:
        user = people[role]
        institution_user = role in (Role.INSTITUTION, Role.SUBUSER)
        assert permissions.acts_for(user, own) is institution_user, role
        assert not permissions.acts_for(user, other), role
        # A reviewer belongs to a teaching point but never acts in its name.
        assert not permissions.acts_for(user, teaching_point), role
        assert permissions.institution_of(user) == (own if institution_user else None), role


def test_only_the_main_account_edits_the_institution(people):
    assert {role for role in ROLES if permissions.may_edit_institution(people[role])} == {Role.INSTITUTION}
    User.update(status="disabled").where(User.id == people[Role.INSTITUTION].id).execute()
    assert not permissions.may_edit_institution(User.get_by_id(people[Role.INSTITUTION].id))


def test_an_institution_reviews_only_while_active(people):
    institution = people[Role.INSTITUTION].institution
    for status in InstitutionStatus.codes():
        institution.status = status
        institution.save()
        for role in ROLES:
            user = User.get_by_id(people[role].id)
            expected = role not in (Role.INSTITUTION, Role.SUBUSER) or status == InstitutionStatus.ACTIVE
            assert permissions.review_open(user) is expected, (role, status)


def test_accounts_of_a_kind(people):
    ids = {role: people[role].id for role in ROLES}
    for role in ROLES:
        assert [u.id for u in User.select().where(permissions.accounts_of(role))] == [ids[role]]
    both = User.select(User.id).where(permissions.accounts_of(Role.INSTITUTION, Role.SUBUSER))
    assert {u.id for u in both} == {ids[Role.INSTITUTION], ids[Role.SUBUSER]}


def test_who_is_told(people):
    college = people[Role.INSTITUTION].institution_id
    other_college = factories.make_user(Role.INSTITUTION)
    factories.make_user(Role.CENTER, status="disabled")
    assert [u.id for u in permissions.center_staff()] == [people[Role.CENTER].id]
    assert [u.id for u in permissions.institution_accounts(college)] == [people[Role.INSTITUTION].id]
    assert [u.id for u in permissions.institution_accounts(other_college.institution_id)] == [other_college.id]
    # The main account always has every menu; the sub-user only the menus granted to it.
    subuser = people[Role.SUBUSER]
    assert [u.id for u in permissions.menu_holders(college, Menu.FEEDBACK)] == [people[Role.INSTITUTION].id]
    UserPermission.create(user=subuser, permission=Menu.FEEDBACK)
    assert {u.id for u in permissions.menu_holders(college, Menu.FEEDBACK)} == {people[Role.INSTITUTION].id, subuser.id}
    assert [u.id for u in permissions.menu_holders(college, Menu.RULES)] == [people[Role.INSTITUTION].id]
    # A sub-user of another institution granted the same menu is not told of this one's.
    stranger = factories.make_user(Role.SUBUSER, institution=other_college.institution)
    UserPermission.create(user=stranger, permission=Menu.FEEDBACK)
    assert subuser.id in {u.id for u in permissions.menu_holders(college, Menu.FEEDBACK)}
    assert stranger.id not in {u.id for u in permissions.menu_holders(college, Menu.FEEDBACK)}


def test_may_store_a_type_only_when_free_or_authorised(people, reference):
    types = Category.select().where(Category.scope == CategoryScope.INSTITUTION, Category.parent.is_null(False))
    free = types.where(~Category.requires_authorisation).first()
    guarded = types.where(Category.requires_authorisation).first()
    assert free is not None and guarded is not None
    own = people[Role.INSTITUTION].institution_id
    other = factories.make_institution().id
    InstitutionAuthorisation.create(institution=other, category=guarded)

    def storable(user):
        return {c.id for c in permissions.storable_types(types, user)}

    everything = {c.id for c in types}
    assert storable(people[Role.CENTER]) == everything
    for role in (Role.INSTITUTION, Role.SUBUSER):
        assert free.id in storable(people[role]) and guarded.id not in storable(people[role]), role
    assert permissions.may_store_type(own, free) and not permissions.may_store_type(own, guarded)
    assert permissions.may_store_type(other, guarded)  # the other institution was authorised

    InstitutionAuthorisation.create(institution=own, category=guarded)
    for role in (Role.INSTITUTION, Role.SUBUSER):
        assert guarded.id in storable(people[role]), role
    assert permissions.may_store_type(own, guarded)
    # One rule, two shapes: the list and the single question agree for every type.
    for category in types:
        assert permissions.may_store_type(own, category) is (category.id in storable(people[Role.INSTITUTION]))
