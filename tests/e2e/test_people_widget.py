"""<mature-people> in a real browser: tag a colleague, find them by "who knows about X", read their profile,
and let them hide the tag, which then counts nowhere."""

from __future__ import annotations

from tests.e2e.shots import Widget


def people_widget(page):
    widget = page.locator("mature-people")
    widget.get_by_role("button", name="My profile").wait_for()
    return widget


def test_tag_a_colleague_find_them_and_they_hide_the_tag(new_page, logged_in, screenshot) -> None:
    alice = new_page()
    logged_in(alice, "alice")
    people = people_widget(alice)

    # Tag Ben with a topic of the scheme, chosen from the suggestions with the keyboard.
    people.get_by_label("Colleague or contact").fill("Ben")
    people.get_by_role("option", name="Ben Hughes").click()
    topic = people.get_by_role("combobox", name="Topic", exact=True)
    topic.fill("bootcamp")
    people.get_by_role("option", name="Skills Bootcamps").wait_for()
    topic.press("ArrowDown")
    assert people.get_by_role("option", name="Skills Bootcamps").get_attribute("aria-selected") == "true"
    screenshot(Widget(alice.locator("mature-people")), "topic-suggestions")
    topic.press("Enter")
    assert topic.input_value() == "Skills Bootcamps"
    people.get_by_label("Level").select_option("4")
    people.get_by_label("Evidence").fill("Set up the digital bootcamp referrals with the college.")
    people.get_by_role("button", name="Tag", exact=True).click()
    notice = people.get_by_role("status").filter(has_text="You tagged")
    notice.wait_for()
    assert notice.text_content() == "You tagged Ben Hughes with Skills Bootcamps (level 4)."

    # Who knows about Skills Bootcamps? Ben, and why.
    people.get_by_label("Topic or words").fill("Skills Bootcamps")
    people.get_by_role("button", name="Find").click()
    results = people.get_by_role("list", name="Who knows about Skills Bootcamps")
    results.wait_for()
    first = results.locator("li.expert").first
    assert "Ben Hughes" in first.text_content()
    assert "Tagged by 1 colleague with Skills Bootcamps (level 4)" in first.locator(".why").text_content()

    # His profile: the topic, the level and the evidence in words.
    first.get_by_role("button", name="Ben Hughes").click()
    topics = people.get_by_role("list", name="Ben Hughes's topics")
    topics.wait_for()
    bootcamps = topics.locator("li.topic").filter(has_text="Skills Bootcamps")
    assert "Tagged by 1 colleague (level 4)." in bootcamps.text_content()
    assert "Alice Okafor: Set up the digital bootcamp referrals with the college." in bootcamps.text_content()
    assert people.locator(".profile-name").evaluate("node => node === node.getRootNode().activeElement")
    screenshot(Widget(alice.locator("mature-people")), "alice-tagged-ben")

    # Ben disagrees and hides Alice's tag about him: he still sees it, marked; nobody finds him by it.
    ben = new_page()
    logged_in(ben, "ben")
    his = people_widget(ben)
    his.get_by_role("button", name="My profile").click()
    hide = his.get_by_role("button", name="Hide: Alice Okafor's tag Skills Bootcamps")
    hide.click()
    shown_again = his.get_by_role("button", name="Show again: Alice Okafor's tag Skills Bootcamps")
    shown_again.wait_for()
    assert shown_again.evaluate("node => node === node.getRootNode().activeElement")  # focus stays on the control
    assert "(hidden: only you see it)" in his.locator("ul.tags-about-me li.hidden-tag").text_content()
    assert "Skills Bootcamps" not in his.get_by_role("list", name="Ben Hughes's topics").text_content()
    screenshot(Widget(ben.locator("mature-people")), "ben-hid-the-tag")

    people.get_by_role("button", name="Find").click()
    people.get_by_text("Nobody is known for this yet").wait_for()


def test_hiding_my_profile_takes_me_out_of_expert_search(new_page, logged_in) -> None:
    dev = new_page()
    logged_in(dev, "dev")
    mine = people_widget(dev)
    mine.get_by_role("button", name="My profile").click()
    mine.get_by_role("button", name="Hide my profile").click()
    mine.get_by_text("Your profile is hidden").wait_for()

    erin = new_page()
    logged_in(erin, "erin")
    people = people_widget(erin)
    people.get_by_label("Topic or words").fill("NEET")
    people.get_by_role("button", name="Find").click()
    people.locator("p.summary").wait_for()
    assert "Dev Patel" not in people.locator("div[aria-live]").first.text_content()

    mine.get_by_role("button", name="Show my profile").click()
    mine.get_by_text("Your profile is visible to colleagues").wait_for()
    people.get_by_role("button", name="Find").click()
    people.get_by_role("button", name="Dev Patel").wait_for()


def test_a_tag_without_a_person_is_explained_in_words(page, logged_in) -> None:
    logged_in(page, "erin")
    people = people_widget(page)
    people.get_by_role("combobox", name="Topic", exact=True).fill("Apprenticeships")
    people.get_by_role("button", name="Tag", exact=True).click()
    alert = people.get_by_role("alert")
    alert.wait_for()
    assert "Choose the person from the suggestions" in alert.text_content()


def test_markup_in_a_new_topic_is_shown_as_text_never_as_html(page, logged_in) -> None:
    logged_in(page, "erin")
    people = people_widget(page)
    words = '<img src=x onerror="document.title=\'pwned\'"> outreach'
    people.get_by_role("combobox", name="Colleague or contact").fill("Dev")
    people.get_by_role("option", name="Dev Patel").click()
    people.get_by_role("combobox", name="Topic", exact=True).fill(words)
    people.get_by_role("button", name="Tag", exact=True).click()
    notice = people.get_by_role("status").filter(has_text="You tagged")
    notice.wait_for()
    assert notice.text_content() == (f"You tagged Dev Patel with {words}. "
                                     "The topic is new: it is proposed as a candidate.")

    people.get_by_role("combobox", name="Topic or words").fill("outreach")
    people.get_by_role("button", name="Find").click()
    people.get_by_role("button", name="Dev Patel").click()
    topic = people.get_by_role("list", name="Dev Patel's topics").locator("li.topic").filter(has_text="outreach")
    assert topic.locator("strong").text_content() == words
    assert people.locator("img").count() == 0 and page.title() != "pwned"
