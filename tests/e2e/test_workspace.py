"""The demo workspace in a real browser: signing in and out, and a wrong password said in words."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD


def test_sign_in_shows_the_widgets_and_sign_out_hides_them(page, logged_in, screenshot) -> None:
    page.goto("/")
    assert page.get_by_role("link", name="API documentation").get_attribute("href") == "/docs"
    assert page.locator("#widgets").is_hidden()
    expect(page.get_by_role("link", name="Manager dashboard")).to_be_hidden()  # nothing to jump to yet
    screenshot(page, "signed-out")

    logged_in(page, "carol")

    assert page.locator("#me-name").text_content() == "Carol Singh"
    assert page.locator("#widgets").is_visible()
    expect(page.get_by_role("link", name="Manager dashboard")).to_be_visible()
    assert page.evaluate("localStorage.getItem('mature-token')").startswith("mat_")
    screenshot(page, "signed-in")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.evaluate("localStorage.getItem('mature-token')") is None
    assert page.locator("#widgets").is_hidden()


def test_a_wrong_password_is_explained_and_nothing_is_stored(page) -> None:
    page.goto("/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(DEMO_PASSWORD + "-wrong")
    page.get_by_role("button", name="Sign in").click()

    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "password" in alert.text_content().lower()
    assert page.evaluate("localStorage.getItem('mature-token')") is None


def test_an_expired_token_asks_to_sign_in_again(page) -> None:
    page.goto("/")
    page.evaluate("localStorage.setItem('mature-token', 'mat_not-a-real-token')")
    page.reload()

    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "sign in again" in alert.text_content().lower()
    assert page.evaluate("localStorage.getItem('mature-token')") is None


def embed_search(page, host_site, origin: str, live: str, token: str) -> None:
    """An intranet page at `origin` that embeds the search widget from the service."""
    host_site.pages["/lmi"] = (
        '<!doctype html><html lang="en"><title>Intranet</title><h1>Our intranet</h1>'
        f'<script type="module" src="{live}/widgets/mature-search.js"></script>'
        f'<mature-search token="{token}" query="offshore wind"></mature-search></html>')
    page.goto(f"{origin}/lmi")


def test_a_site_on_the_cors_allow_list_embeds_a_widget(page, live, host_site, api_token, screenshot) -> None:
    embed_search(page, host_site, host_site.origin, live, api_token("alice"))

    results = page.locator("mature-search").get_by_role("list", name="Results")
    expect(results.get_by_role("button", name=re.compile("Offshore wind"))).to_be_visible()
    assert page.evaluate("location.origin") == host_site.origin != live
    screenshot(page, "embedded")


def test_a_site_not_on_the_allow_list_cannot_load_the_widgets(page, live, host_site, api_token) -> None:
    blocked: list[str] = []
    page.on("requestfailed", lambda request: blocked.append(request.url))
    embed_search(page, host_site, host_site.other_origin, live, api_token("alice"))

    page.wait_for_load_state("networkidle")
    assert page.evaluate("customElements.get('mature-search') === undefined")
    assert f"{live}/widgets/mature-search.js" in blocked
