"""The workspace's Content-Security-Policy in a real browser: everything the workspace does (widgets' shadow-root
styles, API calls, blob: chart images, a page's sanitised HTML) runs without a single violation, while an
injected inline script is refused."""

from __future__ import annotations

import re


def test_the_workspace_works_under_its_policy_and_refuses_inline_script(page, logged_in) -> None:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    logged_in(page, "carol")

    dashboard = page.locator("mature-dashboard")
    dashboard.get_by_label("Required-expertise profile").select_option(
        label="Apprenticeship season 2027 — North East")
    dashboard.get_by_role("button", name="Show report").click()
    for kind in ("gap", "heatmap"):
        chart = dashboard.locator(f"img.chart-{kind}")
        chart.evaluate("img => img.decode()")
        assert chart.evaluate("img => img.naturalWidth") > 200
    search = page.locator("mature-search")
    search.get_by_role("combobox", name="Search LMI pages").fill("apprenticeship")
    search.get_by_role("button", name="Search", exact=True).click()
    results = search.get_by_role("list", name="Results")
    results.locator("mark").first.wait_for()
    # A widget's own <style> (in its shadow root) applies: the result list has no bullets.
    assert results.evaluate("list => getComputedStyle(list).listStyleType") == "none"
    title = results.get_by_role("button").first.text_content()
    results.get_by_role("button").first.click()
    page.locator("mature-page").get_by_role("heading", name=title).wait_for()  # its sanitised HTML, shown

    ran = page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.append(script);
        return window.injected === true;
    }""")
    assert ran is False
    assert any(re.search(r"script-src 'self'", text) for text in violations)  # refused, and said so
    assert [text for text in violations if "script-src" not in text] == []
