"""The web UI in a real headless browser: Debian's chromium driven by Playwright.

One question per dialect through the chat (scripted model, real engines): the answer's
query, its status, the result table and, for graph results, the drawn graph; then
edit and re-run. Screenshots are kept under ``artifacts/screenshots/`` (git-ignored) as
test artifacts. Skipped, saying why, when chromium or Playwright is missing
(``apt-get install -y chromium``; ``pip install playwright``: Playwright's own browser
downloads are not used).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed: pip install 'momq[server]'")

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith((live_server.url, "blob:", "data:")) else None
        ),
    )
    page.goto(live_server.url + "/")  # the page's strict CSP stays on: Playwright waits on locators, not eval
    page.wait_for_selector("body[data-ready=true]")
    yield page
    assert not errors, errors
    assert not outside, f"the UI fetched from outside the server: {outside}"
    context.close()


def ask(page, database: str, dialect: str, question: str, pipeline: str = "multiturn"):
    for select, value in (("#database", database), ("#dialect", dialect), ("#pipeline", pipeline)):
        if page.input_value(select) != value:  # choosing a database or dialect starts a new conversation
            page.select_option(select, value)
    before = page.locator("[data-testid=turn]").count()
    page.fill("#question", question)
    page.click("#ask")
    turn = page.locator("[data-testid=turn]").nth(before)
    turn.wait_for(timeout=60_000)
    return turn


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    "database,dialect,question,graph",
    [
        ("academic", "postgres", "How many authors are there?", False),
        ("restaurants", "mysql", "Which restaurants serve Italian food?", False),
        ("movies", "cypher", "Which movies did Tom Hanks act in?", True),
        ("basketballplayer", "ngql", "Draw a graph of Tim Duncan and who he follows", True),
    ],
)
def test_ask_in_each_dialect_shows_query_table_and_graph(page, database, dialect, question, graph):
    turn = ask(page, database, dialect, question)
    assert turn.locator(".status").inner_text() == "ok"
    assert turn.locator(".query .tok-keyword").count() > 0  # highlighted
    table = turn.locator("[data-testid=result-table]")
    assert table.locator("tbody tr").count() >= 1
    if graph:
        svg = turn.locator("svg[data-testid=graph]")
        assert svg.locator("g.node").count() >= 2 and svg.locator("g.edge").count() >= 1
        assert svg.bounding_box()["height"] > 100
    else:
        assert turn.locator("svg[data-testid=graph]").count() == 0
    shot(page, f"ask-{dialect}-{database}")


def test_conversation_history_edit_rerun_and_downloads(page, tmp_path):
    from playwright.sync_api import expect

    first = ask(page, "basketballplayer", "ngql", "Who does Tim Duncan follow?")
    ask(page, "basketballplayer", "ngql", "Draw a graph of Tim Duncan")
    assert page.locator("[data-testid=turn]").count() == 2
    assert first.locator("[data-testid=result-table] thead th").first.inner_text() == "friend"
    # edit and re-run through the read-only sandbox
    first.locator(".edit-query").click()
    first.locator(".edit-text").fill('GO FROM "player101" OVER follow YIELD dst(edge) AS friend')
    first.locator(".run-edit").click()
    expect(first.locator(".reason")).to_contain_text("re-run")
    assert "player101" in first.locator(".query").inner_text()
    # a write is refused, and the page says so
    first.locator(".edit-query").click()
    first.locator(".edit-text").fill('DELETE VERTEX "player100"')
    first.locator(".run-edit").click()
    expect(first.locator(".status")).to_have_text("refused")
    # downloads: CSV and JSON of the second turn's result
    second = page.locator("[data-testid=turn]").last
    with page.expect_download() as csv_download:
        second.locator(".download-csv").click()
    path = tmp_path / "result.csv"
    csv_download.value.save_as(path)
    header = second.locator("[data-testid=result-table] thead th").all_inner_texts()
    rows = second.locator("[data-testid=result-table] tbody tr").count()
    lines = path.read_text().splitlines()
    assert lines[0] == ",".join(header) and len(lines) == rows + 1
    with page.expect_download() as json_download:
        second.locator(".download-json").click()
    json_download.value.save_as(tmp_path / "result.json")
    saved = json.loads((tmp_path / "result.json").read_text())
    assert saved["result"]["columns"] == header and saved["query"]
    shot(page, "conversation")
    # the conversation is in the history after a reload
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.locator("[data-testid=sessions] button").first.click()
    expect(page.locator("[data-testid=turn]")).to_have_count(2)
    assert page.locator("[data-testid=turn] .question").first.inner_text() == "Who does Tim Duncan follow?"
    shot(page, "history")


def test_one_shot_pipeline_and_a_refused_question(page):
    turn = ask(page, "basketballplayer", "ngql", "Who does Tim Duncan follow?", pipeline="r3")
    assert "pipeline r3" in turn.locator(".how").inner_text()
    refused = ask(page, "academic", "postgres", "Drop all tables", pipeline="direct")
    assert refused.locator(".status").inner_text() == "refused"
    assert "read-only" in refused.locator(".reason").inner_text()
    shot(page, "refused")
