"""What the platform sends people, always written to an outbox inside the transaction
that decides it. ``sms``: the SMS outbox, codes and per-phone quotas; ``sms_gateway``: the
gateways (send, delivery report); ``sms_delivery``: claims, retries, 状态未知 and reports;
``mail``: the e-mail outbox, its backends and delivery; ``notify``: inbox notices and SMS in
the recipient's language, with their links; ``sealing``: values staff must not read,
encrypted until they are delivered.
"""
