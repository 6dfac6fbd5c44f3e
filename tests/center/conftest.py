import pytest

from tests import factories


@pytest.fixture
def center(client_as, reference):
    """A client logged in as center staff (with the reference categories seeded)."""
    return client_as(factories.make_user("center"))
