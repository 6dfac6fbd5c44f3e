import pytest

from models import User, now
from tests import factories


def has_read_commitment(user):
    """As if ``user`` had read the 信息发布安全承诺书 before (tests of other rules)."""
    User.update(commitment_read_at=now()).where(User.id == user.id).execute()
    user.commitment_read_at = now()
    return user


@pytest.fixture
def center(client_as, reference):
    """A client logged in as center staff who read the commitment before."""
    return client_as(has_read_commitment(factories.make_user("center")))
