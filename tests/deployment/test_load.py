"""A multi-process deployment under a bounded mixed load (issue 15): PostgreSQL, Redis
(the job queue), SeaweedFS (S3 file storage), gunicorn with two workers and one huey
consumer, all on loopback; SMS go to a local provider that checks every signature.

For LOAD_SECONDS, learners add informal achievements with evidence and apply for their
recognition, two reviewers (one account in two sessions, so they race) and a second
teaching point decide, new learners register with the SMS code the provider received, and
an institution imports 20 000 learner accounts and exports them after an SMS code. Then:
no server error, every decision exactly once, every SMS delivered exactly once, the import's
rows and every uploaded file present. It prints requests per second for the mix.
Runs in the PostgreSQL pass of ``make test`` (marker ``load``)."""
import os
import re
import threading
import time

import pytest

from tests.deployment.harness import Deployment, Session, png, workbook_of_learners

pytestmark = [pytest.mark.load, pytest.mark.xdist_group("deployment")]  # one deployment at a time
LOAD_SECONDS = int(os.environ.get("LOAD_SECONDS", 60))
IMPORT_ROWS = 20_000


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, s3_server, redis_url):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail("the load test needs PostgreSQL: run it through scripts/with-postgres.sh (make test-postgres)")
    with Deployment(tmp_path_factory.mktemp("deployment"), url, s3_server, redis_url) as running:
        yield running


class Mix:
    """Counters shared by the load threads."""

    def __init__(self, deadline):
        self.deadline, self.lock = deadline, threading.Lock()
        self.requests, self.server_errors, self.failures = 0, [], []
        self.decided, self.applied, self.registered = 0, 0, 0

    def running(self):
        return time.time() < self.deadline

    def count(self, response):
        with self.lock:
            self.requests += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{response.status_code} {response.request.method} {response.url}")

    def add(self, name, n=1):
        with self.lock:
            setattr(self, name, getattr(self, name) + n)


def learner_loop(deployment, mix, username):
    session = Session(deployment.base, mix.count)
    session.login(username, "person")
    category = deployment.category_id("perf_service")
    n = 0
    while mix.running():
        n += 1
        page = session.post_form(
            f"/me/achievements/new?category={category}",
            {"name": f"{username}社区服务{n}", "f_completed_by": "街道办", "f_obtained_on": "2023-05-01"},
            files={"evidence": ("proof.png", png(), "image/png")},
        )
        match = re.search(r"/me/achievements/(\d+)", page.url)
        if not match:
            mix.failures.append(f"{username}: achievement not added ({page.status_code})")
            continue
        session.post_form("/me/recognition", {}, action=f"/me/recognition/{match.group(1)}/submit")
        mix.add("applied")


def reviewer_loop(deployment, mix, username):
    session = Session(deployment.base, mix.count)
    session.login(username, "person")
    while mix.running():
        listing = session.get("/admin/recognition_review/?tab=pending")
        ids = re.findall(r"/admin/recognition_review/review/(\d+)", listing.text)
        if not ids:
            time.sleep(0.3)
            continue
        for application_id in ids[:5]:
            url = f"/admin/recognition_review/review/{application_id}"
            answer = session.post_form(url, {"decision": "agree", "opinion": "同意"})
            if "tab=done" in answer.url:  # back on the 已审核 tab: this session's decision counted
                mix.add("decided")


def registration_loop(deployment, mix):
    """A few registrations: the per-address limits (issue 14) keep one address to a handful."""
    for n in range(3):
        if not mix.running():
            return
        session = Session(deployment.base, mix.count)
        phone = f"1770000{n:04d}"
        session.get("/register?agree=1")
        session.post_form("/register?agree=1", {"purpose": "register", "phone": phone}, action="/sms/send")
        code = deployment.provider.wait_for_code(phone)
        answer = session.post_form("/register?agree=1", deployment.registration_fields(n, phone, code))
        if "/me/" in answer.url:
            mix.add("registered")
        else:
            errors = re.findall(r'class="[^"]*invalid-feedback[^"]*"[^>]*>([^<]+)<', answer.text)
            mix.failures.append(f"registration {n}: {answer.status_code} {errors}")


def follow_job(session, page, timeout=300):
    """The job page's status until the consumer has finished; returns the final state."""
    match = re.search(r"(/admin/[^/]+/jobs/\d+/)", page.url)
    assert match, f"no job page: {page.status_code} {page.url}"
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = session.get(match.group(1) + "status").json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.5)
    raise AssertionError(f"job {match.group(1)} did not finish")


def institution_once(deployment, mix, tmp_path):
    """导入 20 000 学员 (a background job with progress), then 导出 after an SMS code (a job too)."""
    session = Session(deployment.base, mix.count)
    session.login("institution", "institution")
    book = workbook_of_learners(tmp_path / "learners.xlsx", IMPORT_ROWS)
    with open(book, "rb") as upload:
        page = session.post_form(
            "/admin/inst_learners/import/", {}, files={"file": ("learners.xlsx", upload, "application/octet-stream")}
        )
    deployment.import_state = follow_job(session, page)
    session.post_form("/admin/inst_learners/export/", {"purpose": "export"}, action="/sms/send")
    code = deployment.provider.wait_for_code(deployment.institution_phone)
    state = follow_job(session, session.post_form("/admin/inst_learners/export/", {"code": code}))
    exported = session.get(state["result"]) if state["result"] else None
    deployment.export_size = len(exported.content) if exported is not None and exported.status_code == 200 else 0


def test_mixed_load_on_a_multi_process_deployment(deployment, tmp_path):
    mix = Mix(time.time() + LOAD_SECONDS)
    threads = [threading.Thread(target=learner_loop, args=(deployment, mix, f"learner{n:02d}")) for n in (1, 2, 3, 4)]
    threads += [threading.Thread(target=reviewer_loop, args=(deployment, mix, name))
                for name in ("reviewer", "reviewer", "reviewer2")]
    threads += [threading.Thread(target=registration_loop, args=(deployment, mix)),
                threading.Thread(target=institution_once, args=(deployment, mix, tmp_path))]
    started = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=LOAD_SECONDS + 240)
    elapsed = time.time() - started
    print(f"\nload mix: {mix.requests} requests in {elapsed:.1f} s = {mix.requests / elapsed:.1f} req/s; "
          f"{mix.applied} applications, {mix.decided} decisions, {mix.registered} registrations")

    assert mix.server_errors == []
    assert mix.failures == []
    assert mix.applied > 0 and mix.decided > 0 and mix.registered == 3
    facts = deployment.settle()
    assert facts["duplicate_decisions"] == 0
    assert facts["decided_applications"] == facts["review_records"] >= mix.decided
    assert facts["sms_unsent"] == 0
    assert facts["sms_rows"] == facts["gateway_requests"]  # every SMS delivered, exactly once
    assert deployment.import_state["status"] == "done" and deployment.import_state["percent"] == 100
    assert facts["imported_learners"] == IMPORT_ROWS
    assert deployment.export_size > 0
    assert facts["missing_files"] == [] and facts["attachments"] >= mix.applied
