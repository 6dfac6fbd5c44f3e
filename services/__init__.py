"""The domain: logic that is neither a model nor a view, in rooms by concern (README, "A tour
of the code"): core, accounts, records, ledger, messaging, files, background, credentials,
excel, portal and seed. Nothing is imported here; import the module you need
(``from services.messaging import sms``). Helpers only requests need live in web/, above."""
