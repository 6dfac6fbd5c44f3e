"""The security tests reuse the two institution spaces (A acts, B's ids are forged)."""
from tests.institution.conftest import spaces  # noqa: F401
