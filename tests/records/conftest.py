from tests.ledger.conftest import ledger_world  # noqa: F401 (the ledger's small world, shared)
