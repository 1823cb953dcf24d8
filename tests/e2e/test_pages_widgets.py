"""The page viewer and editor in a real browser: write a page, read it with its facts, edit it, survive a
conflicting edit from a second tab with nothing lost, see the history and diff, and rate it."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def open_editor_for_new_page(page) -> object:
    editor = page.locator("mature-editor")
    editor.get_by_label("Space", exact=True).select_option(label="Labour Market Information")
    return editor


def test_write_a_page_preview_it_and_read_it_with_its_facts(page, logged_in, screenshot) -> None:
    logged_in(page, "alice")
    editor = open_editor_for_new_page(page)
    editor.get_by_label("Title", exact=True).fill("Care work in Teesside")
    editor.get_by_label("Categories (comma-separated)").fill("Sector profile, Health and social care")
    text = editor.get_by_label(re.compile("^Text"))
    text.fill("## Summary\n\nCare homes in Teesside recruit all year. See [[Adult social care pay and progression]].\n\n")
    editor.get_by_label("Property", exact=True).select_option("Median pay")
    editor.get_by_label("Value", exact=True).fill("£23,900")
    editor.get_by_role("button", name="Insert into text").click()
    assert "[[Median pay::£23,900]]" in text.input_value()

    editor.get_by_role("button", name="Preview").click()
    preview = editor.get_by_role("region", name="Preview")
    expect(preview.get_by_role("heading", name="Summary")).to_be_visible()
    expect(preview.get_by_label("Facts")).to_contain_text("23900 GBP")
    screenshot(editor, "editor-preview")

    editor.get_by_label("Edit summary").fill("First notes from the Teesside jobs fair")
    editor.get_by_role("button", name="Create page").click()
    expect(editor.get_by_role("status")).to_contain_text("Created “Care work in Teesside”")
    expect(editor.get_by_role("button", name="Save", exact=True)).to_be_visible()
    expect(editor.get_by_label("Space", exact=True)).to_be_hidden()

    viewer = page.locator("mature-page")
    expect(viewer.get_by_role("heading", name="Care work in Teesside")).to_be_visible()
    facts = viewer.get_by_role("complementary", name="Facts")
    expect(facts).to_contain_text("Median pay")
    expect(facts).to_contain_text("£23,900")
    expect(viewer.get_by_label("Categories")).to_contain_text("Health and social care")
    assert "null" not in viewer.inner_text() and "null" not in preview.inner_text()
    viewer.get_by_role("button", name="Why this score?").click()
    expect(viewer.locator(".explanation")).to_contain_text("What counted")
    screenshot(page, "viewer")

    viewer.locator("article").get_by_role("link", name="Adult social care pay and progression").click()
    expect(viewer.get_by_role("heading", name="Adult social care pay and progression")).to_be_visible()

    # Opening another page in the editor asks before unsaved text is thrown away.
    text.fill(text.input_value() + "\nCare homes in Redcar are recruiting night staff.\n")
    created_id = editor.get_attribute("page-id")
    answers = iter([False, True])
    page.on("dialog", lambda dialog: dialog.accept() if next(answers) else dialog.dismiss())
    viewer.get_by_role("button", name="Edit").click()
    assert editor.get_attribute("page-id") == created_id  # declined: still editing the new page
    expect(editor.get_by_label("Title", exact=True)).to_have_value("Care work in Teesside")
    assert "night staff" in text.input_value()
    viewer.get_by_role("button", name="Edit").click()
    expect(editor.get_by_label("Title", exact=True)).to_have_value("Adult social care pay and progression")


def test_a_conflict_from_a_second_tab_is_resolved_with_nothing_lost(new_page, logged_in, screenshot, api_token,
                                                                   live) -> None:
    import httpx

    token = api_token("ben")
    spaces = httpx.get(f"{live}/api/spaces", headers={"Authorization": f"Bearer {token}"}).json()["items"]
    lmi = next(s for s in spaces if s["key"] == "lmi")
    created = httpx.post(f"{live}/api/pages", headers={"Authorization": f"Bearer {token}"}, json={
        "space_id": lmi["id"], "title": "Logistics pay in Teesside",
        "content": "## Pay\n\nHGV drivers earn about £30,000.\n\n## Routes in\n\nLevel 2 apprenticeship.\n"})
    assert created.status_code == 201, created.text
    page_id = created.json()["id"]

    first, second = new_page(), new_page()
    for tab, who in ((first, "ben"), (second, "alice")):
        logged_in(tab, who)
        tab.evaluate(f"document.querySelector('mature-editor').setAttribute('page-id', '{page_id}')")
        expect(tab.locator("mature-editor").get_by_label("Title", exact=True)).to_have_value("Logistics pay in Teesside")

    mine = "## Pay\n\nHGV drivers earn about £32,500 (ASHE 2025).\n\n## Routes in\n\nLevel 2 apprenticeship.\n"
    theirs = "## Pay\n\nHGV drivers earn £31,000 on average.\n\n## Routes in\n\nLevel 2 apprenticeship.\n"
    second.locator("mature-editor").get_by_label(re.compile("^Text")).fill(theirs)
    second.locator("mature-editor").get_by_role("button", name="Save").click()
    expect(second.locator("mature-editor").get_by_role("status")).to_contain_text("Saved as revision 2")

    editor = first.locator("mature-editor")
    editor.get_by_label(re.compile("^Text")).fill(mine)
    editor.get_by_role("button", name="Save").click()

    conflict = editor.locator("#conflict")
    expect(conflict).to_contain_text("a colleague changed the same lines")
    expect(conflict.get_by_role("group", name="Clash 1")).to_contain_text("£31,000 on average")
    assert editor.get_by_label(re.compile("^Text")).input_value() == mine  # nothing typed is lost
    screenshot(editor, "conflict")

    resolved = mine.replace("about £32,500 (ASHE 2025)", "about £32,500 (ASHE 2025); £31,000 on average locally")
    editor.get_by_label(re.compile("^Text")).fill(resolved)
    editor.get_by_role("button", name="Save my resolved text").click()
    expect(editor.get_by_role("status")).to_contain_text("Saved as revision 3")
    expect(conflict).to_be_hidden()

    saved = httpx.get(f"{live}/api/pages/{page_id}", headers={"Authorization": f"Bearer {token}"}).json()
    assert saved["content"] == resolved

    viewer = first.locator("mature-page")
    expect(viewer.get_by_role("heading", name="Logistics pay in Teesside")).to_be_visible()
    viewer.get_by_text(re.compile(r"^History \(3 revisions\)")).click()
    viewer.get_by_role("button", name="Changes in revision 3").click()
    changes = viewer.get_by_role("region", name="Changes")
    expect(changes).to_contain_text("£31,000 on average locally")
    expect(changes.locator(".delete")).to_contain_text("£31,000 on average.")
    screenshot(viewer, "history-diff")

    # The second tab still shows revision 2; a change to other lines is merged, and the editor says so.
    other = second.locator("mature-editor")
    other.get_by_label(re.compile("^Text")).fill(theirs.replace("Level 2 apprenticeship.", "Level 2 or 3 apprenticeship."))
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_role("status")).to_contain_text("they did not overlap yours, so both are kept")
    merged = other.get_by_label(re.compile("^Text")).input_value()
    assert "£31,000 on average locally" in merged and "Level 2 or 3 apprenticeship." in merged


def open_page(page, query: str, title: str):
    """Find a page with the search widget and open it by keyboard."""
    page.evaluate(f"document.querySelector('mature-search').search({query!r})")
    results = page.locator("mature-search").get_by_role("list", name="Results")
    results.get_by_role("button", name=re.compile(f"^{re.escape(title)}")).first.focus()
    page.keyboard.press("Enter")
    viewer = page.locator("mature-page")
    expect(viewer.get_by_role("heading", name=title)).to_be_visible()
    return viewer


def test_rate_a_page_by_keyboard_only(page, logged_in, screenshot) -> None:
    """Dev wrote a revision of this page: the form says before and after that his rating is shown, not counted."""
    logged_in(page, "dev")
    viewer = open_page(page, "engineering apprenticeships", "Engineering apprenticeships")
    form = viewer.get_by_role("form", name="Rate this page")
    expect(form).to_contain_text("You wrote part of this page, so your rating is shown to colleagues but not counted")
    expect(form).not_to_contain_text("counts towards")

    overall = viewer.get_by_role("group", name=re.compile("^Overall"))
    overall.get_by_role("radio", name="1").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # a radio group moves and checks with the arrow keys
    expect(overall.get_by_role("radio", name="4")).to_be_checked()
    reliability = viewer.get_by_role("group", name=re.compile("^Reliability"))
    expect(reliability).to_be_hidden()                # the criteria are folded away until asked for
    page.keyboard.press("Tab")                        # to "Rate each criterion (optional)"
    page.keyboard.press("Enter")
    expect(reliability).to_be_visible()
    expect(reliability).to_contain_text("1: No sources")           # what a 1 and a 5 look like, as hints
    expect(reliability).to_contain_text("5: Every figure names a sound source")
    expect(viewer.get_by_role("group", name=re.compile("^Equality of opportunity"))).to_be_visible()
    reliability.get_by_role("radio", name="1").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(reliability.get_by_role("radio", name="4")).to_be_checked()
    page.keyboard.press("Tab")  # to Relevance's checked radio, "Can't judge"; arrows wrap round to 1, 2, 3
    relevance = viewer.get_by_role("group", name=re.compile("^Relevance"))
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(relevance.get_by_role("radio", name="3")).to_be_checked()
    viewer.get_by_label("Comment (optional)").focus()
    page.keyboard.type("Pay figures match ASHE 2023.")
    page.keyboard.press("Tab")  # the issue box
    page.keyboard.press("Tab")  # the anonymity box
    page.keyboard.press("Tab")  # the save button
    page.keyboard.press("Enter")

    status = viewer.get_by_role("status")
    expect(status).to_contain_text("Your rating is saved and shown to colleagues, but not counted")
    expect(viewer.get_by_role("group", name=re.compile("^Overall")).get_by_role("radio", name="4")).to_be_checked()
    expect(viewer.get_by_role("group", name=re.compile("^Reliability")).get_by_role("radio", name="4")).to_be_checked()
    expect(viewer.get_by_role("button", name="Update my rating")).to_be_visible()
    expect(viewer.get_by_label("Comment (optional)")).to_have_value("Pay figures match ASHE 2023.")
    expect(form).to_contain_text("You wrote part of this page, so your rating is shown to colleagues but not counted")
    screenshot(viewer, "rated")


def test_a_colleague_who_wrote_nothing_is_told_their_rating_counts_and_raises_an_issue(page, logged_in) -> None:
    logged_in(page, "carol")
    viewer = open_page(page, "logistics hgv", "Logistics and HGV driving in the North East")
    form = viewer.get_by_role("form", name="Rate this page")
    expect(form).to_contain_text("Your rating counts towards the page's maturity score.")
    expect(form).not_to_contain_text("not counted")

    viewer.get_by_role("group", name=re.compile("^Overall")).get_by_role("radio", name="2").check()
    viewer.get_by_label(re.compile("^This comment is an issue")).check()
    viewer.get_by_role("button", name="Save rating").click()
    expect(form.get_by_role("alert")).to_contain_text("needs a comment")
    viewer.get_by_label("Comment (optional)").fill("The HGV licence cost is two years old.")
    viewer.get_by_label("Judged for (optional)").select_option(label="Adults changing career")
    viewer.get_by_label("Used as").select_option(label="Interpreted for a client")
    viewer.get_by_role("button", name="Save rating").click()

    status = viewer.get_by_role("status")
    expect(status).to_contain_text("counts towards the maturity score above")
    expect(status).to_contain_text("sent to the page's authors as an issue")
    expect(viewer.get_by_label(re.compile("^This comment is an issue"))).to_be_checked()
    # the audience and purpose the rating was judged for are kept with it (the form shows them again)
    expect(viewer.get_by_label("Judged for (optional)")).to_have_value("adults-changing-career")
    expect(viewer.get_by_label("Used as")).to_have_value("interpreted-for-a-client")
