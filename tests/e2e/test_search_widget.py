"""The search widget in a real browser: suggestions by keyboard, highlighted results, facets, paging,
and finding a page just written through the editor."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect


def test_suggestions_are_a_keyboard_combobox(page, logged_in) -> None:
    logged_in(page, "alice")
    search = page.locator("mature-search")
    box = search.get_by_role("combobox", name="Search LMI pages")

    box.focus()
    page.keyboard.type("nursing prog")
    options = search.get_by_role("option")
    expect(options.first).to_contain_text("Nursing progression routes")
    expect(box).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")

    expect(page.locator("mature-page").get_by_role("heading", name="Nursing progression routes")).to_be_visible()
    expect(box).to_have_value("Nursing progression routes")
    expect(box).to_have_attribute("aria-expanded", "false")


def test_results_are_highlighted_narrowed_by_facets_and_paged(page, logged_in, screenshot) -> None:
    logged_in(page, "carol")
    search = page.locator("mature-search")
    search.get_by_role("combobox", name="Search LMI pages").fill("apprenticeship")
    search.get_by_role("button", name="Search", exact=True).click()

    results = search.get_by_role("list", name="Results")
    expect(search.get_by_role("status")).to_contain_text("for “apprenticeship”")
    expect(results.locator("mark").first).to_be_visible()
    assert all(re.match(r"apprentices", m, re.IGNORECASE) for m in results.locator("mark").all_text_contents())
    total = int(re.match(r"(\d+) page", search.get_by_role("status").text_content()).group(1))
    screenshot(search, "results")

    space = search.get_by_role("group", name="Narrow down").locator("fieldset", has_text="Space")
    north_east = space.get_by_role("checkbox", name=re.compile("North East team"))
    north_east.check()
    expect(search.get_by_role("status")).not_to_contain_text(f"{total} pages")
    narrowed = results.locator("li").filter(has=page.locator("mark"))
    for result in narrowed.all():
        expect(result).to_contain_text("North East team")
    expect(north_east).to_be_checked()
    north_east.uncheck()
    expect(search.get_by_role("status")).to_contain_text(f"{total} pages")

    search.get_by_role("combobox", name="Search LMI pages").fill("")
    search.get_by_role("button", name="Search", exact=True).click()
    expect(search.get_by_role("status")).to_contain_text("pages you may read")  # browsing: every readable page
    expect(search.get_by_text(re.compile(r"^1–10 of \d+$"))).to_be_visible()
    first_titles = results.get_by_role("button").all_text_contents()
    search.get_by_role("button", name="Next").click()
    expect(search.get_by_text(re.compile(r"^11–\d+ of \d+$"))).to_be_visible()
    assert not set(results.get_by_role("button").all_text_contents()) & set(first_titles)
    expect(search.get_by_role("button", name="Previous")).to_be_enabled()


def test_a_page_written_in_the_editor_is_found_with_its_facet(page, logged_in, live, api_token, screenshot) -> None:
    logged_in(page, "ben")
    editor = page.locator("mature-editor")
    editor.get_by_label("Space", exact=True).select_option(label="North East team")
    editor.get_by_label("Title", exact=True).fill("Port of Tyne cargo handling jobs")
    editor.get_by_label(re.compile("^Text")).fill(
        "Stevedores and crane drivers are in demand at the quayside. [[Sector::Transport and logistics]]\n")
    editor.get_by_role("button", name="Create page").click()
    expect(editor.get_by_role("status")).to_contain_text("Created")

    search = page.locator("mature-search")
    box = search.get_by_role("combobox", name="Search LMI pages")
    results = search.get_by_role("list", name="Results")
    for _ in range(40):  # the indexer catches up within moments of the save
        box.fill("stevedores quayside")
        search.get_by_role("button", name="Search", exact=True).click()
        search.get_by_role("status").filter(has_text="“stevedores quayside”").wait_for()
        if results.get_by_role("button", name=re.compile("Port of Tyne")).count():
            break
        page.wait_for_timeout(250)
    hit = results.locator("li", has=page.get_by_role("button", name=re.compile("Port of Tyne cargo")))
    expect(hit.locator("mark").first).to_have_text(re.compile("stevedores", re.IGNORECASE))

    sector = search.get_by_role("group", name="Narrow down").locator("fieldset", has_text="Sector")
    sector.get_by_role("checkbox", name=re.compile("Logistics and transport")).check()
    expect(search.get_by_role("status")).to_contain_text("1 page for")
    expect(results.get_by_role("button", name=re.compile("Port of Tyne cargo"))).to_be_visible()
    screenshot(page, "found-with-facet")

    token = api_token("erin")  # a reader of the North East space finds it too; nobody outside it does
    found = httpx.get(f"{live}/api/search", params={"q": "stevedores"}, headers={"Authorization": f"Bearer {token}"})
    assert [r["title"] for r in found.json()["results"]] == ["Port of Tyne cargo handling jobs"]
