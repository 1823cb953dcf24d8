"""<mature-dashboard> in a real browser: a manager sees the maturity overview and review queues, opens the
skills-gap report with both charts and downloads its CSV; an adviser is told in words why the report is not
theirs."""

from __future__ import annotations

import csv
import io
import re

import httpx

from tests.e2e.shots import Widget


def dashboard_widget(page):
    widget = page.locator("mature-dashboard")
    widget.get_by_role("group", name="Review queues").get_by_role("button").first.wait_for()
    return widget


def test_manager_reviews_queues_and_downloads_the_gap_report(page, logged_in, screenshot, live, api_token) -> None:
    asked = httpx.get(f"{live}/api/experts", params={"q": "green hydrogen"},
                      headers={"Authorization": f"Bearer {api_token('erin')}"})
    assert asked.json()["outcome"] == "unanswered"  # recorded as a demand signal
    logged_in(page, "carol")
    dashboard = dashboard_widget(page)

    # The overview counts the organisation's pages; the stale queue (shown first) says why each page is there.
    figures = dashboard.get_by_role("list", name="Figures")
    assert re.search(r"\d+pages you may read", figures.text_content())
    stale = dashboard.get_by_role("button", name=re.compile(r"^Stale \(\d+\)$"))
    assert stale.get_attribute("aria-pressed") == "true"
    queue = dashboard.get_by_role("list", name="Stale pages")
    queue.wait_for()
    first = queue.locator("li").first
    assert re.search(r"Valid until .* has passed|Not edited or rated since", first.text_content())
    assert int(re.search(r"\((\d+)\)", stale.text_content()).group(1)) >= queue.locator("li").count() > 0

    # The other queues, by keyboard: the demo's low-rated page and the page whose raters disagree.
    low = dashboard.get_by_role("button", name=re.compile(r"^Low rated \(\d+\)$"))
    low.focus()
    low.press("Enter")
    assert low.get_attribute("aria-pressed") == "true" and stale.get_attribute("aria-pressed") == "false"
    digital = dashboard.get_by_role("list", name="Low rated pages").locator("li").filter(
        has_text="Digital and cyber security careers")
    assert re.search(r"Rated \d\.\d out of 5 on average by \d+ colleagues", digital.text_content())
    low.press("Tab")
    page.keyboard.press("Tab")
    conflicting = dashboard.get_by_role("button", name=re.compile(r"^Conflicting ratings"))
    assert conflicting.evaluate("node => node === node.getRootNode().activeElement")
    page.keyboard.press("Enter")
    teaching = dashboard.get_by_role("list", name="Conflicting ratings pages").locator("li").filter(
        has_text="Teaching and teacher training routes")
    assert "colleagues disagree" in teaching.text_content()

    # The skills-gap report of the North East team, with its charts.
    profile = dashboard.get_by_label("Required-expertise profile")
    profile.select_option(label="Apprenticeship season 2027 — North East")
    dashboard.get_by_role("button", name="Show report").click()
    table = dashboard.locator(".report-table table")
    table.wait_for()
    apprenticeships = table.locator("tbody tr").filter(has_text="Apprenticeships")
    assert "Alice Okafor (3.5)" in apprenticeships.text_content()
    assert "Single point of failure" in apprenticeships.text_content()
    employer = table.locator("tbody tr").filter(has_text="Employer engagement")
    assert "External: Priya Shah (5)" in employer.text_content()
    for kind in ("gap", "heatmap"):
        chart = dashboard.locator(f"img.chart-{kind}")
        assert chart.get_attribute("src").startswith("blob:")
        assert "the same figures are in the table below" in chart.get_attribute("alt")
        chart.evaluate("img => img.decode()")
        assert chart.evaluate("img => img.naturalWidth") > 200  # the SVG rendered as an image
    screenshot(Widget(page.locator("mature-dashboard")), "gap-report")

    # The CSV, fetched with the token and saved by the browser.
    with page.expect_download() as download_info:
        dashboard.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert re.fullmatch(r"skills-gap-\d+-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    rows = {row["topic"]: row for row in csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read()))}
    assert set(rows) == {"Apprenticeships", "Employer engagement", "Pay and earnings", "Vacancies and recruitment"}
    assert (rows["Apprenticeships"]["required"], rows["Apprenticeships"]["available"], rows["Apprenticeships"]["gap"]) \
        == ("2", "1", "1")
    assert rows["Apprenticeships"]["people"] == "Alice Okafor (3.5)"
    assert rows["Employer engagement"]["external_contacts"] == "Priya Shah (5)"
    assert dashboard.get_by_role("link", name=download.suggested_filename).is_visible()

    # Where expertise is wanted: the question nobody could answer, and topics whose pages need work.
    searches = dashboard.locator("ul.demand-searches")
    assert "“green hydrogen” (no topic of the scheme): asked 1 time, 1 unanswered" in searches.text_content()
    assert dashboard.locator("ul.demand-knowledge li").count() > 0


def test_an_adviser_is_told_in_words_that_the_report_is_for_managers(page, logged_in, screenshot) -> None:
    logged_in(page, "alice")
    dashboard = dashboard_widget(page)
    alert = dashboard.get_by_role("alert")
    alert.wait_for()
    assert "This needs one of these roles: manager, admin. You are 'adviser'." in alert.text_content()
    assert dashboard.get_by_label("Required-expertise profile").is_hidden()
    assert dashboard.get_by_role("list", name="Figures").is_visible()  # her own part of the overview still shows
    screenshot(Widget(page.locator("mature-dashboard")), "adviser-refused")


def test_a_manager_claims_assigns_and_resolves_a_review(page, logged_in, screenshot, live, api_token) -> None:
    """The unassessed queue (no other browser test reads it): claim the first page, resolve it with a note; the
    note is then in the page's changes, the page has left the queue, and the next one is assigned to Alice."""
    headers = {"Authorization": f"Bearer {api_token('carol')}"}
    waiting = httpx.get(f"{live}/api/quality/review-queue", params={"kind": "unassessed"}, headers=headers).json()
    first, second = waiting["items"][0], waiting["items"][1]
    logged_in(page, "carol")
    dashboard = dashboard_widget(page)
    dashboard.get_by_role("button", name=re.compile(r"^Unassessed \(\d+\)$")).click()
    queue = dashboard.get_by_role("list", name="Unassessed pages")
    item = queue.locator("li").filter(has_text=first["title"])
    assert "Open: nobody works on it yet" in item.text_content()
    item.get_by_role("button", name="Claim").click()
    status = dashboard.get_by_role("status")
    status.filter(has_text=f"You claimed the review of {first['title']}.").wait_for()
    item = queue.locator("li").filter(has_text=first["title"])
    assert "Claimed by you" in item.text_content()
    assert item.get_by_role("button", name="Claim").count() == 0

    item.locator("summary", has_text="Resolve…").click()
    note = "Read it through with the sources: sound, asked two colleagues to rate it."
    item.get_by_label("What the review found or did").fill(note)
    item.get_by_role("button", name="Resolve", exact=True).click()
    status.filter(has_text=f"Resolved the review of {first['title']}").wait_for()
    assert queue.locator("li").filter(has_text=first["title"]).count() == 0
    changes = httpx.get(f"{live}/api/recent-changes", params={"page_id": first["page_id"]}, headers=headers).json()
    assert (changes["items"][0]["kind"], changes["items"][0]["summary"]) == ("page.review_resolved", note)

    other = queue.locator("li").filter(has_text=second["title"])
    other.locator("summary", has_text="Assign…").click()
    colleague = other.get_by_label("Colleague")
    colleague.locator("option", has_text="Alice Okafor").wait_for(state="attached")
    colleague.select_option(label="Alice Okafor")
    other.get_by_role("button", name="Assign", exact=True).click()
    status.filter(has_text=f"The review of {second['title']} is assigned to Alice Okafor.").wait_for()
    assert "Assigned to Alice Okafor by " in queue.locator("li").filter(has_text=second["title"]).text_content()
    screenshot(Widget(page.locator("mature-dashboard")), "review-items")
    dashboard.get_by_label("Show").select_option(label="Unassigned")
    queue.locator("li").filter(has_text=second["title"]).wait_for(state="detached")  # Alice's now
    assert "Open: nobody works on it yet" in queue.locator("li").first.text_content()
