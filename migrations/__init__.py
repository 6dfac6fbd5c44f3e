"""Schema migrations, one module per step.

A fresh database gets every table at the newest version (``create_schema``); an existing
one runs the steps above its stored version (``services.core.database.init_db`` runs them, each
in its own transaction). To change the schema after a release, add a module
``vNN_what_it_does.py`` (never edit an old step) with a docstring saying what it does and
why, ``VERSION = NN`` and ``upgrade(migrator)``, and list it in ``STEPS`` below. A step adds
only what is missing (``tools.add_missing_columns``, ``tools.add_missing_index``): it may
meet a database created from newer models. A step that creates a table carries a frozen
copy of the model as it was at its version. ``tests/foundation/test_setup.py`` migrates a
version-1 database through every step, on SQLite and on PostgreSQL (add your tables and
columns to its lists). Versions 6 and 8 were never released.
"""
from migrations import (
    v02_throttle_hits,
    v03_rule_form_fields,
    v04_feedback_message_links,
    v05_case_insensitive_accounts,
    v07_user_sessions,
    v09_list_indexes,
    v10_sms_delivery_state,
    v11_application_owners,
    v12_rule_versions_and_duplicates,
    v13_credential_tables,
    v14_api_tokens,
    v15_mail_delivery_and_rule_alerts,
    v16_cover_the_duplicates_list,
    v17_cover_pending_tabs,
    v18_fine_name_statistics,
    v19_ledger,
    v21_real_shapes,
    v23_leases_and_delivery_reports,
    v24_faq,
    v25_records_and_reports,
    v26_learner_status_in_creation_order,
    v27_rare_combinations,
    v28_application_kind_combinations,
    v29_audit_log_in_time_order,
    v30_audit_objects_named,
    v31_institution_search_by_learner,
    v32_rate_limit_pace,
    v33_outboxes_in_time_order,
)
from migrations.tools import migrator, support_prefix_search
from models import MODELS, db

# In order of version. Version 1 is the initial schema.
STEPS = (
    v02_throttle_hits,
    v03_rule_form_fields,
    v04_feedback_message_links,
    v05_case_insensitive_accounts,
    v07_user_sessions,
    v09_list_indexes,
    v10_sms_delivery_state,
    v11_application_owners,
    v12_rule_versions_and_duplicates,
    v13_credential_tables,
    v14_api_tokens,
    v15_mail_delivery_and_rule_alerts,
    v16_cover_the_duplicates_list,
    v17_cover_pending_tabs,
    v18_fine_name_statistics,
    v19_ledger,
    v21_real_shapes,
    v23_leases_and_delivery_reports,
    v24_faq,
    v25_records_and_reports,
    v26_learner_status_in_creation_order,
    v27_rare_combinations,
    v28_application_kind_combinations,
    v29_audit_log_in_time_order,
    v30_audit_objects_named,
    v31_institution_search_by_learner,
    v32_rate_limit_pace,
    v33_outboxes_in_time_order,
)
MIGRATIONS = [(step.VERSION, step.upgrade) for step in STEPS]
LATEST = max([1] + [version for version, _ in MIGRATIONS])

__all__ = ["LATEST", "MIGRATIONS", "STEPS", "create_schema", "list_indexes", "migrator", "steps_above"]


def create_schema():
    """The newest schema in an empty database: the models' tables and what models cannot
    declare (PostgreSQL's prefix-search indexes)."""
    db.create_tables(MODELS)
    support_prefix_search()
    v21_real_shapes.keep_skewed_statistics()
    v27_rare_combinations.keep_combined_statistics()
    v28_application_kind_combinations.keep_combined_statistics()


def steps_above(version):
    """The (version, upgrade) pairs a database stamped ``version`` still has to run."""
    return [(step_version, upgrade) for step_version, upgrade in MIGRATIONS if step_version > version]


def list_indexes():
    """(table, columns) of every list index at the newest version: versions 9 and 11, with
    those version 17 extended, less those versions 21, 26, 27, 29 and 33 replaced, plus their
    replacements (less those replaced again) and versions 21's and 31's."""
    covered = set(v17_cover_pending_tabs.COVERED)
    replacements = (*v21_real_shapes.REPLACED, *v26_learner_status_in_creation_order.REPLACED,
                    *v27_rare_combinations.REPLACED, *v29_audit_log_in_time_order.REPLACED,
                    *v33_outboxes_in_time_order.REPLACED)
    replaced = {old for old, _new in replacements}
    return [(table, columns + ("id",) if (table, columns) in covered else columns)
            for table, columns in [*v09_list_indexes.INDEXES, *v11_application_owners.INDEXES]
            if (table, columns) not in replaced] + [
        new for _old, new in replacements if new not in replaced] + list(v21_real_shapes.INDEXES) + list(
        v31_institution_search_by_learner.INDEXES)
