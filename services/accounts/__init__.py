"""Accounts and who may do what. ``users``: password policy and hashing, login lookup
(case-insensitive), account creation and the one home of 未激活 learners made from an ID
number; ``activation``: by e-mail and the center's account review; ``login_policy`` and
``login_hints``: the failed-login policy, login codes and what the login page may say;
``password_links``: signed links to set a password; ``api_tokens``: institution API tokens;
``permissions``: every access rule (nothing else compares a role); ``throttle``: attempt
counts kept in the database, so every worker sees the same.
"""
