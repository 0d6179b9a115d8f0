"""Every page of the product in Chromium, as the role that uses it (issue 17, "Done when").

The demo data is seeded once for the module into a live server. Each page is opened at 1366 px
and then resized to 1920, 768 and 390 px, in English and in Chinese, with one logged-in browser
context per role and language. On each page and at each width: no sideways page scroll and a
screenshot in test-results/pages/<role>/<page>-<lang>-<width>.png; at 1366 and 390 px axe-core
finds no serious or critical violation; and the JavaScript the page loads stays under 300 KB
(pdf.js, loaded only when a PDF is shown, is the documented exception, docs/design.md).

`test_every_get_page_is_visited_or_excluded` reads the app's url_map: a GET route is either
visited below or excluded with its reason (downloads, JSON, redirects), so a new page cannot
be forgotten. A page that redirects elsewhere fails too: it was not seen. Each role's results go
to test-results/pages/results/; `python -m tests.browser.page_report` turns them into
docs/accessibility.md. With HIREBENCH_PAGES_VERBOSE=1 (and -s) each page is printed as it is
opened. The whole module takes about 7 minutes on a 2-core machine, seeding included.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from flask import Flask, url_for
from playwright.sync_api import Browser, sync_playwright
from werkzeug.serving import make_server

from hirebench import create_app
from hirebench.extensions import db
from hirebench.grading import queue as grading_queue
from hirebench.models import (
    ApiToken,
    Attempt,
    AttemptStatus,
    Exam,
    Interview,
    Job,
    Offer,
    OfferStatus,
    Onboarding,
    Panelist,
    PerformanceRating,
    PortfolioFile,
    ReviewAssignment,
    ReviewItem,
    Rubric,
    SimilarityPair,
    SimilarityRun,
    WebhookDelivery,
    WebhookEndpoint,
)
from hirebench.paths import PROJECT_ROOT
from hirebench.services import accounts, invitations
from hirebench.services.demo import DEMO_JOB_TITLE, seed_demo
from hirebench.web.access import PUBLIC, policy_for
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

RESULTS = PROJECT_ROOT / "test-results" / "pages"
# Opened at the first width, then resized: a resize reflows the page (ui.js watches its tables
# with a ResizeObserver), which is what a fresh load at that width would show, at a quarter of
# the cost.
WIDTHS = (1366, 1920, 768, 390)
AXE_WIDTHS = (1366, 390)
SMALL_TABLE_COLUMNS = 3
# The label of every table wrapper that scrolls sideways although its table has no more than
# the given number of columns.
# A table whose first column stays in view (.hb-table-sticky) is meant to scroll.
SCROLLING_SMALL_TABLES_JS = """(most) => [...document.querySelectorAll(".hb-table-wrap")]
  .filter((wrap) => !wrap.querySelector("table.hb-table-sticky"))
  .filter((wrap) => {
    const row = wrap.querySelector("table > thead > tr, table > tbody > tr");
    return row && row.children.length <= most && wrap.scrollWidth > wrap.clientWidth + 1;
  })
  .map((wrap) => wrap.dataset.label || wrap.querySelector("table").className)"""
LOCALES = {"en": "en-US", "zh": "zh-CN"}
JS_BUDGET = 300 * 1024
# pdf.js is larger than the budget on its own and is imported only when a PDF box comes into
# view (docs/design.md, "JavaScript budget"): counted apart.
ON_DEMAND_JS = ("/static/build/pdfview.js", "/static/build/pdfjs/")

ROLES: dict[str, str | None] = {
    "anonymous": None,
    "hr": "hr@demo.local",
    "admin": "admin@demo.local",
    "business": "business@demo.local",
    "reviewer": "reviewer@demo.local",
    "interviewer": "interviewer@demo.local",
    # Candidates at three moments: hired with an offer and onboarding (candidate4), in the
    # middle of the exam (candidate2), and invited but not started (candidate1).
    "candidate": "candidate4@demo.local",
    "candidate-in-exam": "candidate2@demo.local",
    "candidate-invited": "candidate1@demo.local",
}

Ids = dict[str, Any]


@dataclass(frozen=True)
class Visit:
    role: str
    name: str
    endpoint: str
    args: Callable[[Ids], dict[str, Any]] = lambda ids: {}
    status: int = 200


def _job(ids: Ids) -> dict[str, Any]:
    return {"job_id": ids["job"]}


VISITS = [
    Visit("anonymous", "login", "auth.login"),
    Visit("anonymous", "invitation", "auth.accept_invitation", lambda i: {"token": i["invite"]}),
    Visit(
        "anonymous", "invitation-unusable", "auth.accept_invitation", lambda i: {"token": "x"}, 410
    ),
    Visit("hr", "home", "hr.home"),
    Visit("hr", "job", "hr.job_dashboard", _job),
    Visit("hr", "board", "hr.board", _job),
    Visit("hr", "scorecard", "hr.scorecard", lambda i: {**_job(i), "candidate_id": i["hired"]}),
    Visit("hr", "compare", "hr.compare_candidates", lambda i: {**_job(i), "candidate": i["pair"]}),
    Visit("hr", "job-analytics", "analytics.job_page", _job),
    # The past cohort has the rated hires a weight proposal needs; the demo job has none yet.
    Visit("hr", "what-if", "analytics.what_if", lambda i: {"job_id": i["past_job"]}),
    Visit("hr", "job-profile", "hr.job_profile", _job),
    Visit("hr", "job-new", "hr.job_profile"),
    Visit("hr", "screening", "hr.screening", _job),
    Visit("hr", "ratings", "analytics.ratings", lambda i: {"job_id": i["past_job"]}),
    Visit(
        "hr",
        "rating",
        "analytics.edit_rating",
        lambda i: {"job_id": i["past_job"], "rating_id": i["rating"]},
    ),
    Visit("hr", "candidates", "hr.candidates"),
    Visit("hr", "candidate", "hr.candidate", lambda i: {"candidate_id": i["hired"]}),
    Visit("hr", "attempts", "hr.attempts_list"),
    Visit("hr", "attempt", "hr.attempt_detail", lambda i: {"attempt_id": i["closed_attempt"]}),
    Visit("hr", "reviews", "hr.review_items"),
    Visit("hr", "review-item", "hr.review_item", lambda i: {"item_id": i["review_item"]}),
    Visit(
        "hr",
        "portfolio-preview",
        "hr.portfolio_file_preview",
        lambda i: {"portfolio_id": i["portfolio"], "file_id": i["portfolio_file"]},
    ),
    Visit("hr", "interviews", "hr.interviews_page"),
    Visit("hr", "agreement", "hr.agreement"),
    Visit("hr", "audit", "hr.audit_log"),
    Visit("hr", "hires", "hr_hires.hires_page"),
    Visit("hr", "job-offers", "offers.job_offers", _job),
    Visit("hr", "offer", "offers.offer", lambda i: {"offer_id": i["accepted_offer"]}),
    Visit("hr", "offer-edit", "offers.edit", lambda i: {"offer_id": i["open_offer"]}),
    Visit("hr", "offer-new", "offers.new", lambda i: {**_job(i), "candidate_id": i["no_offer"]}),
    Visit("hr", "onboarding-list", "onboarding.hr_list"),
    Visit("hr", "onboarding", "onboarding.hr_detail", lambda i: {"onboarding_id": i["onboarding"]}),
    Visit("hr", "privacy", "privacy.panel", lambda i: {"candidate_id": i["hired"]}),
    Visit("hr", "integrity", "integrity.index"),
    Visit("hr", "integrity-exam", "integrity.exam_page", lambda i: {"slug": i["exam"]}),
    Visit("hr", "integrity-run", "integrity.run_page", lambda i: {"run_id": i["run"]}),
    Visit("hr", "integrity-pair", "integrity.pair_page", lambda i: {"pair_id": i["pair_id"]}),
    Visit("hr", "search", "search.results", lambda i: {"q": "Sam"}),
    Visit("hr", "notifications", "notifications.index"),
    Visit("hr", "notification-settings", "notifications.preferences"),
    Visit("hr", "password", "auth.change_password"),
    Visit("hr", "not-found", "hr.job_dashboard", lambda i: {"job_id": 987654}, 404),
    Visit("admin", "home", "admin.home"),
    Visit("admin", "user", "admin.edit_user", lambda i: {"user_id": i["reviewer"]}),
    Visit("admin", "analytics", "analytics.overview"),
    Visit("admin", "rubrics", "admin.rubrics_list"),
    Visit("admin", "rubric", "admin.rubric_edit", lambda i: {"rubric_id": i["rubric"]}),
    Visit("admin", "rubric-new", "admin.rubric_edit"),
    Visit("admin", "tokens", "admin.tokens"),
    Visit(
        "admin", "token-revoke", "admin.confirm_revoke_token", lambda i: {"token_id": i["token"]}
    ),
    Visit("admin", "webhooks", "admin_webhooks.endpoints"),
    Visit(
        "admin",
        "webhook-delete",
        "admin_webhooks.confirm_delete",
        lambda i: {"endpoint_id": i["endpoint"]},
    ),
    Visit("admin", "deliveries", "admin_webhooks.deliveries"),
    Visit("admin", "delivery", "admin_webhooks.delivery", lambda i: {"delivery_id": i["delivery"]}),
    Visit("business", "home", "business.home"),
    Visit(
        "business",
        "candidate",
        "business.candidate",
        lambda i: {**_job(i), "candidate_id": i["hired"]},
    ),
    Visit("business", "offer-to-approve", "offers.offer", lambda i: {"offer_id": i["open_offer"]}),
    Visit("reviewer", "home", "review.home"),
    Visit("reviewer", "item", "review.item", lambda i: {"item_id": i["reviewer_item"]}),
    Visit(
        "reviewer",
        "preview",
        "review.file_preview",
        lambda i: {"item_id": i["reviewer_item"], "file_id": i["reviewer_file"]},
    ),
    Visit("interviewer", "home", "interview.home"),
    Visit(
        "interviewer",
        "interview",
        "interview.interview",
        lambda i: {"interview_id": i["interview"]},
    ),
    Visit("candidate", "home", "candidate.home"),
    Visit("candidate", "result", "candidate.result", lambda i: {"attempt_id": i["closed_attempt"]}),
    Visit("candidate", "portfolio", "portfolio.home"),
    Visit(
        "candidate", "offer", "candidate_offers.offer", lambda i: {"offer_id": i["accepted_offer"]}
    ),
    Visit(
        "candidate", "onboarding", "onboarding.mine", lambda i: {"onboarding_id": i["onboarding"]}
    ),
    Visit("candidate", "my-data", "privacy.my_data"),
    Visit("candidate", "about-you", "analytics.group_data"),
    Visit(
        "candidate-in-exam",
        "exam",
        "candidate.attempt",
        lambda i: {"attempt_id": i["open_attempt"]},
    ),
    # With exactly one offer or onboarding these lists open it; candidate2 has none.
    Visit("candidate-in-exam", "offers", "candidate_offers.offers"),
    Visit("candidate-in-exam", "onboarding-list", "onboarding.home"),
    Visit(
        "candidate-in-exam",
        "submit",
        "candidate.confirm_submit",
        lambda i: {"attempt_id": i["open_attempt"]},
    ),
    Visit("candidate-invited", "consent", "candidate.consent", lambda i: {"slug": i["exam"]}),
]

_DOWNLOAD = "a file download (CSV, XLSX, PDF, YAML or an uploaded file), not a page"
_FRAME = (
    "the document inside the preview page's sandboxed frame (no scripts, no page chrome); "
    "the preview page around it is visited"
)
_JSON = "JSON for the exam page's script, not a page"
# GET routes that are not pages a person reads in the app, each with the reason.
EXCLUDED = {
    "/": "redirects to the signed-in role's home, or to the login page",
    "/static/<path:filename>": "static files (CSS, JavaScript, images)",
    "/metrics": "Prometheus text for the monitoring system",
    "/api/v1/health": "JSON health check for the load balancer",
    "/api/v1/health/live": "JSON liveness probe",
    "/api/v1/health/ready": "JSON readiness probe",
    "/api/v1/hires": "the JSON API for payroll (docs/api.md)",
    "/api/v1/jobs/<int:job_id>/scorecards": "the JSON API for scorecards (docs/api.md)",
    "/exam/attempts/<int:attempt_id>/clock": _JSON,
    "/exam/attempts/<int:attempt_id>/run/<question_id>/<int:job_id>": _JSON,
    "/hr/hires/export.<any(csv, xlsx):fmt>": _DOWNLOAD,
    "/hr/jobs/<int:job_id>/export.<any(csv, xlsx):fmt>": _DOWNLOAD,
    "/hr/jobs/<int:job_id>/candidates/<int:candidate_id>/scorecard.pdf": _DOWNLOAD,
    "/hr/jobs/<int:job_id>/profile.yaml": _DOWNLOAD,
    "/hr/offers/<int:offer_id>/v<int:version>.pdf": _DOWNLOAD,
    "/offers/<int:offer_id>/letter.pdf": _DOWNLOAD,
    "/hr/portfolios/<int:portfolio_id>/files/<int:file_id>": _DOWNLOAD,
    "/portfolio/<int:portfolio_id>/files/<int:file_id>": _DOWNLOAD,
    "/review/items/<int:item_id>/files/<int:file_id>": _DOWNLOAD,
    "/onboarding/<int:onboarding_id>/tasks/<int:task_id>/file": _DOWNLOAD,
    "/onboarding/hr/<int:onboarding_id>/tasks/<int:task_id>/file": _DOWNLOAD,
    "/integrity/pairs/<int:pair_id>/report.html": (
        "the pair's evidence as a one-file report downloaded as an attachment, read outside "
        "the app; the pair page shows the same evidence and is visited"
    ),
    "/hr/portfolios/<int:portfolio_id>/files/<int:file_id>/preview/document": _FRAME,
    "/review/items/<int:item_id>/files/<int:file_id>/preview/document": _FRAME,
}


@dataclass
class PageResult:
    role: str
    name: str
    rule: str
    path: str
    lang: str
    status: int = 0
    landed: str = ""  # the path the browser ended on: a redirect means the page was not seen
    widths: list[int] = field(default_factory=list)
    overflow: dict[int, int] = field(default_factory=dict)
    # Tables of up to SMALL_TABLE_COLUMNS columns that scroll inside their card: on a phone
    # the last column is simply cut off, though so few columns fit.
    scrolling_small_tables: dict[int, list[str]] = field(default_factory=dict)
    axe: dict[int, dict[str, int]] = field(default_factory=dict)
    serious: dict[int, list[str]] = field(default_factory=dict)
    rules: dict[int, list[str]] = field(default_factory=dict)  # every violation: "id (impact)"
    js_bytes: int = 0
    on_demand_js_bytes: int = 0
    js_files: list[str] = field(default_factory=list)

    def problems(self, expected_status: int) -> list[str]:
        where = f"{self.lang} {self.role}/{self.name} ({self.path})"
        found = [f"{where}: status {self.status}"] if self.status != expected_status else []
        if self.landed != self.path.split("?")[0]:
            found.append(f"{where}: redirected to {self.landed}")
        found += [
            f"{where} {w}px: scrolls {px}px sideways" for w, px in self.overflow.items() if px > 1
        ]
        found += [
            f"{where} {w}px: a table of {SMALL_TABLE_COLUMNS} columns or fewer scrolls: {labels}"
            for w, labels in self.scrolling_small_tables.items()
            if labels
        ]
        found += [f"{where} {w}px axe: {v}" for w, v in self.serious.items() if v]
        if self.js_bytes > JS_BUDGET:
            found.append(f"{where}: {self.js_bytes} bytes of JavaScript {self.js_files}")
        return found


@dataclass(frozen=True)
class Site:
    url: str
    app: Flask
    paths: dict[tuple[str, str], str]  # (role, page) -> path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo data, seeded once, behind a live server in a thread."""
    folder = tmp_path_factory.mktemp("every-page")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HIREBENCH_INSTANCE_PATH", str(folder / "instance"))
        for name in ("HIREBENCH_DATABASE_URL", "HIREBENCH_REDIS_URL", "HIREBENCH_BASE_URL"):
            env.delenv(name, raising=False)
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite3'}",
                "MAIL_BACKEND": "locmem",
                "RATELIMIT_STORAGE_URI": "memory://",
                # The seed's coding jobs stay queued: no Docker needed.
                "GRADING_WORKERS": 0,
                "LOGIN_RATE_LIMIT": "1000 per minute",
            }
        )
        with app.app_context():
            db.create_all()
            seed_demo(PASSWORD)
            ids = demo_ids()
        with app.test_request_context("/"):
            paths = {(v.role, v.name): url_for(v.endpoint, **v.args(ids)) for v in VISITS}
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Site(f"http://127.0.0.1:{server.server_port}", app, paths)
        finally:
            server.shutdown()
            thread.join(timeout=5)
            grading_queue.shutdown(app)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _one(query: sa.Select[Any]) -> Any:
    found = db.session.scalars(query.limit(1)).first()
    assert found is not None, f"the demo data has nothing for {query}"
    return found


def _user_id(email: str) -> int:
    user = accounts.find_by_email(email)
    assert user is not None, email
    return user.id


def demo_ids() -> Ids:
    """The demo records each page is opened on, and a fresh invitation for the invite page."""
    job = _one(sa.select(Job).where(Job.title == DEMO_JOB_TITLE))
    hired, in_exam, no_offer = (_user_id(f"candidate{n}@demo.local") for n in (4, 2, 3))
    reviewer = _user_id("reviewer@demo.local")
    # The reviewer's portfolio item that has a notebook, which previews in its frame.
    item_id, shown = db.session.execute(
        sa.select(ReviewItem.id, PortfolioFile)
        .join(ReviewAssignment)
        .join(PortfolioFile, PortfolioFile.portfolio_id == ReviewItem.portfolio_id)
        .where(ReviewAssignment.reviewer_id == reviewer, PortfolioFile.kind == "notebook")
        .order_by(ReviewItem.id)
        .limit(1)
    ).one()
    run = _one(sa.select(SimilarityRun).order_by(SimilarityRun.id))
    issued = invitations.invite_candidate(
        name="新同学 New Person", email="invited@demo.local", job=job, invited_by=None, ttl_hours=48
    )
    db.session.commit()
    return {
        "job": job.id,
        "past_job": _one(sa.select(Job.id).where(Job.id != job.id).order_by(Job.id)),
        "hired": hired,
        "no_offer": no_offer,
        "pair": [hired, no_offer],
        "reviewer": reviewer,
        "closed_attempt": _one(
            sa.select(Attempt.id).where(
                Attempt.candidate_id == hired, Attempt.status != AttemptStatus.in_progress
            )
        ),
        "open_attempt": _one(
            sa.select(Attempt.id).where(
                Attempt.candidate_id == in_exam, Attempt.status == AttemptStatus.in_progress
            )
        ),
        "review_item": _one(sa.select(ReviewItem.id).where(ReviewItem.flagged.is_(True))),
        "reviewer_item": item_id,
        "reviewer_file": shown.id,
        "portfolio": shown.portfolio_id,
        "portfolio_file": shown.id,
        "interview": _one(
            sa.select(Interview.id)
            .join(Panelist)
            .where(Panelist.interviewer_id == _user_id("interviewer@demo.local"))
            .order_by(Interview.id)
        ),
        "accepted_offer": _one(sa.select(Offer.id).where(Offer.status == OfferStatus.accepted)),
        "open_offer": _one(
            sa.select(Offer.id).where(Offer.status == OfferStatus.awaiting_approval)
        ),
        "onboarding": _one(sa.select(Onboarding.id)),
        "rating": _one(sa.select(PerformanceRating.id).order_by(PerformanceRating.id)),
        "rubric": _one(sa.select(Rubric.id)),
        "token": _one(sa.select(ApiToken.id)),
        "endpoint": _one(sa.select(WebhookEndpoint.id)),
        "delivery": _one(sa.select(WebhookDelivery.id)),
        "exam": _one(sa.select(Exam.slug)),
        "run": run.id,
        "pair_id": _one(
            sa.select(SimilarityPair.id)
            .where(SimilarityPair.flagged.is_(True))
            .order_by(SimilarityPair.id)
        ),
        "invite": issued.token,
    }


def test_every_get_page_is_visited_or_excluded(site: Site) -> None:
    """A new page fails here until it is added to VISITS (or, with a reason, to EXCLUDED)."""
    adapter = site.app.url_map.bind("localhost")
    visited = {
        adapter.match(path.split("?")[0], return_rule=True)[0].rule for path in site.paths.values()
    }
    rules = {rule.rule for rule in site.app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    forgotten = sorted(rules - visited - set(EXCLUDED))
    assert not forgotten, f"GET routes neither visited nor excluded: {forgotten}"
    assert not sorted(set(EXCLUDED) - rules), "EXCLUDED names routes that no longer exist"
    assert not sorted(set(EXCLUDED) & visited), "a route is both visited and excluded"


def test_every_page_is_visited_by_a_role_that_may_open_it(site: Site) -> None:
    for visit in VISITS:
        policy = policy_for(site.app, visit.endpoint)
        email = ROLES[visit.role]
        if email is None:
            assert policy == PUBLIC, visit
            continue
        with site.app.app_context():
            user = accounts.find_by_email(email)
            assert user is not None and isinstance(policy, frozenset) and user.role in policy, visit


# The script resources a page loaded (static and dynamic imports alike).
SCRIPTS_JS = """
() => performance.getEntriesByType('resource')
  .map(e => e.name)
  .filter(name => /\\.m?js$/.test(new URL(name).pathname))
"""
# After a resize: the next frame, when ResizeObserver callbacks (ui.js) have run; a headless
# page may skip frames, so never more than 200 ms.
NEXT_FRAME_JS = """
() => new Promise(done => {
  requestAnimationFrame(() => setTimeout(done, 0));
  setTimeout(done, 200);
})
"""


class Browse:
    """One role's logged-in context in one language, and what its pages showed."""

    def __init__(self, browser: Browser, site: Site, role: str, lang: str) -> None:
        self.site, self.role, self.lang = site, role, lang
        self.context = browser.new_context(
            locale=LOCALES[lang], viewport={"width": WIDTHS[0], "height": 900}
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        email = ROLES[role]
        if email is not None:
            login(self.page, site.url, email)
        self.axe = Axe()
        self.sizes: dict[str, int] = {}
        self.shots = RESULTS / role
        self.shots.mkdir(parents=True, exist_ok=True)

    def visit(self, visit: Visit) -> PageResult:
        path = self.site.paths[(visit.role, visit.name)]
        page = self.page
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        # The language comes from the context's locale (Accept-Language), as for a real user.
        response = page.goto(self.site.url + path)
        adapter = self.site.app.url_map.bind("localhost")
        rule = adapter.match(path.split("?")[0], return_rule=True)[0].rule
        result = PageResult(self.role, visit.name, rule, path, self.lang)
        result.status = response.status if response is not None else 0
        result.landed = urlsplit(page.url).path
        self._weigh(result)
        for width in WIDTHS:
            if width != WIDTHS[0]:
                page.set_viewport_size({"width": width, "height": 900})
                page.evaluate(NEXT_FRAME_JS)
            result.widths.append(width)
            result.overflow[width] = int(
                page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            )
            result.scrolling_small_tables[width] = page.evaluate(
                SCROLLING_SMALL_TABLES_JS, SMALL_TABLE_COLUMNS
            )
            if width in AXE_WIDTHS:
                self._axe(result, width)
            page.screenshot(
                path=str(self.shots / f"{visit.name}-{self.lang}-{width}.png"), full_page=True
            )
        return result

    def _axe(self, result: PageResult, width: int) -> None:
        violations = self.axe.run(self.page).response["violations"]
        counts = {impact: 0 for impact in ("critical", "serious", "moderate", "minor")}
        for violation in violations:
            counts[violation["impact"] or "minor"] += 1
        result.axe[width] = counts
        result.rules[width] = [f"{v['id']} ({v['impact']})" for v in violations]
        result.serious[width] = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:4]}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]

    def _weigh(self, result: PageResult) -> None:
        """The bytes of every script the page loaded, each fetched once per context: a cached
        load reports no size in the Resource Timing entries."""
        for url in dict.fromkeys(self.page.evaluate(SCRIPTS_JS)):
            if url not in self.sizes:
                self.sizes[url] = len(self.context.request.get(url).body())
            if any(part in url for part in ON_DEMAND_JS):
                result.on_demand_js_bytes += self.sizes[url]
            else:
                result.js_bytes += self.sizes[url]
                result.js_files.append(url.removeprefix(self.site.url))

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def module_browser() -> Iterator[Browser]:
    """One Chromium for the module (conftest's `browser` is started per test)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.timeout(900)
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("lang", list(LOCALES))
def test_every_page(module_browser: Browser, site: Site, lang: str, role: str) -> None:
    started = time.monotonic()
    browse = Browse(module_browser, site, role, lang)
    results: list[PageResult] = []
    problems: list[str] = []
    try:
        for visit in (v for v in VISITS if v.role == role):
            if os.environ.get("HIREBENCH_PAGES_VERBOSE"):
                print(f"{time.monotonic() - started:6.1f}s {lang} {role} {visit.name}", flush=True)
            result = browse.visit(visit)
            results.append(result)
            problems += result.problems(visit.status)
    finally:
        browse.close()
        _save(role, lang, results, time.monotonic() - started)
    assert not problems, "\n".join(problems)


def _save(role: str, lang: str, results: list[PageResult], seconds: float) -> None:
    folder = RESULTS / "results"
    folder.mkdir(parents=True, exist_ok=True)
    body = {
        "role": role,
        "lang": lang,
        "seconds": round(seconds, 1),
        "pages": [asdict(r) for r in results],
    }
    (folder / f"{lang}-{role}.json").write_text(json.dumps(body, ensure_ascii=False, indent=1))
