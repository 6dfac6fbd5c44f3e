"""Where the job queue sits: ``services/queue.py`` holds huey and imports no project code;
the tasks live in ``tasks/`` and are reached by name, so no domain module (models,
services, admin, views, forms) imports them; the consumer's entry point builds the app;
and services import nothing from admin, views, forms or the app module (the admin hands
background exports its list views through ``app.extensions["list_views"]``)."""
from tests.foundation.test_module_boundaries import imported_modules, project_modules

DOMAIN = ("models", "services", "admin", "views", "forms")
ABOVE_SERVICES = ("admin", "views", "forms", "app")


def _in(name, packages):
    return any(name == p or name.startswith(p + ".") for p in packages)


def _imports(packages, forbidden):
    return {
        name: sorted(target for target in imported_modules(path) if _in(target, forbidden))
        for name, path in project_modules().items()
        if _in(name, packages)
    }


def test_the_queue_module_imports_no_project_code():
    modules = project_modules()
    assert imported_modules(modules["services.queue"]) == set()


def test_no_domain_module_imports_the_tasks():
    found = _imports(DOMAIN, ("tasks",))
    assert {name: targets for name, targets in found.items() if targets} == {}


def test_services_import_nothing_from_admin_views_forms_or_the_app():
    found = _imports(("services",), ABOVE_SERVICES)
    assert {name: targets for name, targets in found.items() if targets} == {}


def test_the_consumer_entry_point_builds_the_app():
    modules = project_modules()
    assert "app.factory" in imported_modules(modules["app.consumer"])
    import tasks  # noqa: F401  (what the app factory does)
    from services import queue

    assert {"deliver_sms", "deliver_emails", "run_job", "alert_rule_published", "housekeeping"} <= set(
        queue.registered())
