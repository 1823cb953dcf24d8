"""The page viewer's maturity in a real browser: an unrated page says it is not yet assessed, the explanation
gives the phase's reason, and an adviser marks that they used the page with a client."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_mark_a_page_used_with_a_client_and_read_why_its_phase(page, logged_in, screenshot) -> None:
    logged_in(page, "erin")
    page.evaluate("document.querySelector('mature-search').search('nursing progression routes')")
    results = page.locator("mature-search").get_by_role("list", name="Results")
    results.get_by_role("button", name=re.compile("^Nursing progression routes")).first.click()

    viewer = page.locator("mature-page")
    expect(viewer.get_by_role("heading", name="Nursing progression routes")).to_be_visible()
    expect(viewer.locator(".head")).to_contain_text("Not yet assessed")
    viewer.get_by_role("button", name="Why this score?").click()
    explanation = viewer.locator(".explanation")
    expect(explanation).to_contain_text("Not yet assessed: no colleague's rating counts yet")
    expect(explanation).to_contain_text("Phase II Distributing in communities: Shared with colleagues; to be "
                                        "formalised it needs")
    expect(explanation).to_contain_text("Not yet marked as used with a client")

    viewer.get_by_role("button", name="Used with a client today").click()
    expect(viewer.get_by_role("status")).to_contain_text("Marked as used with a client today")
    viewer.get_by_role("button", name="Why this score?").click()
    expect(viewer.locator(".explanation")).to_contain_text("Used with clients 1 time in the last 12 months by 1 colleague")
    screenshot(viewer, "used-with-a-client")

    viewer.get_by_role("button", name="Used with a client today").click()   # the same day: still one mark
    viewer.get_by_role("button", name="Why this score?").click()
    expect(viewer.locator(".explanation")).to_contain_text("Used with clients 1 time in the last 12 months")
