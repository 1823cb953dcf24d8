/**
 * <mature-page page-id="9"> — reads one LMI page: the rendered text (the server's sanitised HTML), its
 * annotations as a fact box, the maturity badge with its explanation on demand (and "not yet assessed" while no
 * colleague's rating counts), a "Used with a client today" mark, history with the changes between any two
 * revisions, and a rating form: an overall judgement, the LMI quality criteria (optional, each with what a 1
 * and a 5 look like), a comment that may be marked as an issue for the authors, and a notice whether the
 * rating counts (an author's rating is shown but not counted).
 *
 * Attributes: page-id (required), api-base, token (see mature-api.js), no-rating (hide the rating form).
 * Events (bubble, composed): mature-open-page {pageId} when a wiki link to another page is followed,
 *   mature-edit-page {pageId} from the Edit button, mature-rated {pageId, rating} after a rating is saved.
 * Method: reload().
 */
import { apiFor, ApiProblem, el, emit, setSanitisedHtml, shadowWith, showProblem } from "./mature-api.js";

const PHASES = {
  expressing_ideas: "Ia Expressing ideas", appropriating: "Ib Appropriating ideas",
  distributing: "II Distributing in communities", formalising: "III Formalising",
  piloting: "IV Ad-hoc training and piloting", standardising: "V Institutionalising and standardising",
};

const CSS = `
.head { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: baseline; justify-content: space-between; }
.head h3 { margin: 0; font-size: 1.35rem; }
.meta { margin: 0.25rem 0 0.75rem; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 16rem; gap: 1rem; align-items: start; }
@media (max-width: 720px) { .layout { grid-template-columns: 1fr; } }
article { overflow-wrap: anywhere; }
article h1, article h2 { font-size: 1.15rem; }
article h3, article h4, article h5, article h6 { font-size: 1rem; }
article a.missing { color: #a4262c; }
article table { margin: 0.5rem 0; }
aside.facts { background: var(--mature-soft); border: 1px solid #c9ced6; border-radius: 6px; padding: 0.5rem 0.75rem; }
aside.facts h4 { margin-top: 0.2rem; }
aside.facts dl { margin: 0; }
aside.facts dt { font-weight: 600; font-size: 0.9em; color: var(--mature-muted); }
aside.facts dd { margin: 0 0 0.5rem; }
.explanation { margin: 0.5rem 0; }
.explanation li { margin: 0.2rem 0; }
.points { font-variant-numeric: tabular-nums; font-weight: 600; display: inline-block; min-width: 3.5rem; }
.categories { list-style: none; padding: 0; margin: 0.25rem 0; display: flex; flex-wrap: wrap; gap: 0.3rem; }
.categories li { background: var(--mature-soft); border-radius: 4px; padding: 0 0.4rem; font-size: 0.9em; }
details { margin-top: 1rem; border-top: 1px solid #d0d0d0; padding-top: 0.5rem; }
summary { cursor: pointer; font-weight: 600; font-size: 1.05rem; }
.history td { font-size: 0.9em; }
.diff { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; white-space: pre-wrap;
        border: 1px solid #d0d0d0; border-radius: 4px; margin-top: 0.5rem; max-height: 24rem; overflow: auto; }
.diff div { padding: 0 0.5rem; }
.diff .insert { background: #e6f4ea; color: #0f3d1c; }
.diff .delete { background: #fdecea; color: #5f1410; text-decoration: line-through; }
.diff .hunk { background: #eef1f5; color: var(--mature-muted); }
fieldset { border: 1px solid #d0d0d0; border-radius: 4px; margin: 0 0 0.5rem; padding: 0.3rem 0.6rem; }
legend { font-weight: 600; }
.scale { display: flex; flex-wrap: wrap; gap: 0.2rem 0.8rem; }
.scale label { font-weight: 400; }
.criteria { display: grid; grid-template-columns: repeat(auto-fit, minmax(17rem, 1fr)); gap: 0 0.75rem; }
.definition { margin: 0.1rem 0; font-size: 0.9em; }
.hints { margin: 0.1rem 0 0.3rem; font-size: 0.85em; display: grid; gap: 0.1rem; }
details.each { margin-top: 0; border-top: none; padding-top: 0; }
details.each summary { font-size: 1rem; }
`;

export class MaturePage extends HTMLElement {
  static observedAttributes = ["page-id", "token", "api-base"];

  connectedCallback() {
    this.root = shadowWith(this, CSS);
    this.problemBox = el("div", { hidden: true });
    this.body = el("div", { class: "stack", "aria-live": "polite", "aria-busy": "false" });
    this.root.append(this.problemBox, this.body);
    this.reload();
  }

  attributeChangedCallback(_name, old, value) {
    if (this.root && old !== value) this.reload();
  }

  get pageId() {
    return this.getAttribute("page-id");
  }

  /** Load everything the page view shows, in parallel. */
  async reload() {
    if (!this.root) return;
    showProblem(this.problemBox, null);
    if (!this.pageId) {
      this.body.replaceChildren();
      return;
    }
    const api = (this.api = apiFor(this));
    const id = encodeURIComponent(this.pageId);
    this.body.setAttribute("aria-busy", "true");
    try {
      // The criteria and the audience choices are the service's constants: fetched once per widget, not per page.
      this.constants ??= Promise.all([api.get("/api/quality/criteria"), api.get("/api/quality/audiences")]);
      const [page, maturity, revisions, mine, [criteria, audiences]] = await Promise.all([
        api.get(`/api/pages/${id}`),
        api.get(`/api/pages/${id}/maturity`),
        api.get(`/api/pages/${id}/revisions`, { limit: 50 }),
        api.get(`/api/pages/${id}/ratings/mine`),
        this.constants.catch((error) => { this.constants = null; throw error; }),
      ]);
      this.audiences = audiences;
      this.render(page, maturity, revisions.items, criteria, mine);
    } catch (error) {
      this.body.replaceChildren();
      showProblem(this.problemBox, error);
    } finally {
      this.body.setAttribute("aria-busy", "false");
    }
  }

  render(page, maturity, revisions, criteria, mine) {
    this.page = page;
    const article = el("article", { "aria-label": `Text of ${page.title}` });
    setSanitisedHtml(article, page.html);
    article.addEventListener("click", (event) => this.followWikiLink(event));
    this.body.replaceChildren(...[
      el("div", { class: "head" },
        el("h3", {}, page.title),
        el("div", { class: "row" },
          this.badge(maturity),
          this.useButton(page),
          el("button", { type: "button", onclick: () => emit(this, "mature-edit-page", { pageId: page.id }) }, "Edit"))),
      el("p", { class: "notice", role: "status", hidden: true, "data-use-status": true }),
      el("p", { class: "meta muted" },
        `Revision ${page.revision.number} by ${page.revision.author.display_name}, `,
        el("time", { datetime: page.updated_at }, new Date(page.updated_at).toLocaleString()),
        page.revision.summary ? ` — “${page.revision.summary}”` : ""),
      this.explanation(maturity),
      page.categories.length ? el("ul", { class: "categories", "aria-label": "Categories" },
        ...page.categories.map((c) => el("li", {}, c))) : null,
      el("div", { class: "layout" }, article, this.factBox(page.annotations)),
      this.history(page, revisions),
      this.hasAttribute("no-rating") ? null : this.ratingForm(page, criteria, mine),
    ].filter(Boolean));
  }

  badge(maturity) {
    const phase = PHASES[maturity.phase] || maturity.phase;
    this.explanationId = `why-${this.pageId}`;
    return el("span", { class: "row" },
      el("span", { class: `badge phase-${maturity.phase}`, "aria-label": `Maturity ${Math.round(maturity.score)} of 100, phase ${phase}`
        + (maturity.assessed === false ? ", not yet assessed" : "") },
        `${Math.round(maturity.score)} · ${phase}`),
      maturity.assessed === false ? el("span", { class: "muted" }, "Not yet assessed") : null,
      el("button", { type: "button", "aria-expanded": "false", "aria-controls": this.explanationId,
                     onclick: (event) => this.toggleExplanation(event.currentTarget) }, "Why this score?"));
  }

  /** "Used with a client today": only who and when are kept, nothing about the client; it counts towards piloting. */
  useButton(page) {
    return el("button", {
      type: "button", title: "Only your name and the day are kept, nothing about the client",
      onclick: async () => {
        showProblem(this.problemBox, null);
        try {
          await this.api.post(`/api/pages/${page.id}/uses`);
          await this.reload();
          const box = this.root.querySelector("[data-use-status]");
          if (box) {
            box.hidden = false;
            box.textContent = "Marked as used with a client today (one mark a day; only your name and the day are kept).";
          }
        } catch (error) {
          showProblem(this.problemBox, error);
        }
      },
    }, "Used with a client today");
  }

  toggleExplanation(button) {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    this.root.getElementById(this.explanationId).hidden = !open;
  }

  explanation(maturity) {
    return el("div", { id: this.explanationId, class: "explanation card", hidden: true },
      el("p", {}, `Score ${maturity.score.toFixed(1)} of 100; confidence ${Math.round(maturity.confidence * 100)}% `
        + "(how much evidence the score rests on). What counted:"),
      el("ul", {}, ...maturity.contributions.map((c) =>
        el("li", {}, el("span", { class: "points" }, `${c.points >= 0 ? "+" : ""}${c.points.toFixed(1)}`), c.explanation))),
      maturity.phase_reason ? el("p", {}, `Phase ${PHASES[maturity.phase] || maturity.phase}: ${maturity.phase_reason}.`) : null,
      maturity.approved_revision_id ? el("p", { class: "muted" },
        maturity.approved_differs ? "Approved earlier; the page has changed since the approved revision."
          : "The current revision is approved.") : null);
  }

  factBox(annotations) {
    const facts = annotations.length
      ? el("dl", {}, ...annotations.flatMap((a) => [
        el("dt", {}, a.property),
        el("dd", {}, a.kind === "url" && /^https?:/.test(a.value)
          ? el("a", { href: a.value, rel: "noopener noreferrer nofollow" }, a.raw) : a.raw,
          a.raw !== a.value && a.kind !== "url" ? el("span", { class: "muted" }, ` (${a.value})`) : null)]))
      : el("p", { class: "muted" }, "No facts annotated yet. Add them in the editor as [[Property::Value]].");
    return el("aside", { class: "facts", "aria-label": "Facts" }, el("h4", {}, "Facts"), facts);
  }

  history(page, revisions) {
    const option = (r) => el("option", { value: r.id }, `#${r.number} · ${r.author.display_name} · ${new Date(r.created_at).toLocaleDateString()}`);
    const from = el("select", { id: "diff-from" }, ...revisions.map(option));
    const to = el("select", { id: "diff-to" }, ...revisions.map(option));
    to.value = String(revisions[0]?.id ?? "");
    from.value = String(revisions[1]?.id ?? revisions[0]?.id ?? "");
    const output = el("div", { "aria-live": "polite" });
    const problem = el("div", { hidden: true });
    const compare = async (fromId, toId) => {
      showProblem(problem, null);
      try {
        const diff = await this.api.get(`/api/pages/${page.id}/diff`, { from: fromId, to: toId });
        output.replaceChildren(this.diffView(diff));
      } catch (error) {
        showProblem(problem, error);
      }
    };
    const rows = revisions.map((r) => el("tr", {},
      el("td", {}, `#${r.number}`),
      el("td", {}, el("time", { datetime: r.created_at }, new Date(r.created_at).toLocaleString())),
      el("td", {}, r.author.display_name),
      el("td", {}, r.summary || el("span", { class: "muted" }, r.kind), r.minor ? el("span", { class: "muted" }, " (minor)") : null),
      el("td", {}, r.parent_id ? el("button", { type: "button", "aria-label": `Changes in revision ${r.number}`,
                                                 onclick: () => compare(r.parent_id, r.id) }, "Changes") : null)));
    return el("details", { class: "history" },
      el("summary", {}, `History (${revisions.length} revision${revisions.length === 1 ? "" : "s"})`),
      el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Rev."), el("th", {}, "When"), el("th", {}, "Who"),
                                               el("th", {}, "Summary"), el("th", {}, el("span", { class: "visually-hidden" }, "Actions")))),
         el("tbody", {}, ...rows)),
      el("div", { class: "row", style: { marginTop: "0.5rem" } },
        el("label", { for: "diff-from" }, "Compare"), from,
        el("label", { for: "diff-to" }, "with"), to,
        el("button", { type: "button", onclick: () => compare(from.value, to.value) }, "Show changes")),
      problem, output);
  }

  diffView(diff) {
    const summary = el("p", { class: "muted" },
      `Revision ${diff.from_revision.number} → ${diff.to_revision.number}: ${diff.added_lines} line(s) added, `
      + `${diff.removed_lines} removed.`,
      diff.categories_added.length ? ` Categories added: ${diff.categories_added.join(", ")}.` : "",
      diff.categories_removed.length ? ` Categories removed: ${diff.categories_removed.join(", ")}.` : "");
    if (!diff.hunks.length) return el("div", {}, summary, el("p", {}, "The text is the same in both revisions."));
    const lines = diff.hunks.flatMap((h) => [
      el("div", { class: "hunk" }, `Lines ${h.old_start}–${h.old_start + h.old_count - 1} → ${h.new_start}–${h.new_start + h.new_count - 1}`),
      ...h.lines.map((line) => el("div", { class: line.op },
        el("span", { class: "visually-hidden" }, line.op === "insert" ? "added: " : line.op === "delete" ? "removed: " : ""),
        `${line.op === "insert" ? "+" : line.op === "delete" ? "−" : " "} ${line.text}`)),
    ]);
    return el("div", {}, summary, el("div", { class: "diff", role: "region", "aria-label": "Changes", tabindex: "0" }, ...lines));
  }

  /** Before and after rating: an author's rating is shown but not counted; anyone else's counts. */
  countsNotice(mine) {
    return mine.by_author
      ? "You wrote part of this page, so your rating is shown to colleagues but not counted in its maturity score."
      : "Your rating counts towards the page's maturity score.";
  }

  /** A row of 1-5 radios (and "not given"), named for the field it fills. */
  scale(name, current, noneText) {
    const choice = (value, text) => el("label", {},
      el("input", { type: "radio", name, value: value ?? "", checked: (current ?? null) === value }), ` ${text}`);
    return el("div", { class: "scale" }, ...[1, 2, 3, 4, 5].map((n) => choice(n, String(n))), choice(null, noneText));
  }

  /** A select of an ontology scheme's choices (audiences or purposes), "Not said" first. */
  choice(id, choices, current) {
    const select = el("select", { id },
      el("option", { value: "" }, "Not said"),
      ...choices.map((c) => el("option", { value: c.key, title: c.definition }, c.label)));
    select.value = current || "";
    return select;
  }

  ratingForm(page, criteria, mine) {
    const myRating = mine.rating;
    const form = el("form", { class: "rating stack", "aria-label": "Rate this page" });
    const overall = el("fieldset", { class: "overall" },
      el("legend", {}, "Overall", el("span", { class: "muted" }, " — your judgement of the page as a whole")),
      this.scale("overall", myRating?.overall, "Not given"));
    const fieldsets = criteria.map((c) => el("fieldset", {},
      el("legend", {}, c.label),
      el("p", { class: "definition" }, c.description),
      el("p", { class: "hints muted" }, el("span", {}, `1: ${c.poor}`), el("span", {}, `5: ${c.excellent}`)),
      this.scale(c.key, myRating ? myRating.scores[c.key] : null, "Can't judge")));
    const scored = myRating && criteria.some((c) => myRating.scores[c.key] != null);
    const each = el("details", { class: "each", open: Boolean(scored) },
      el("summary", {}, "Rate each criterion (optional)"), el("div", { class: "criteria" }, ...fieldsets));
    const comment = el("textarea", { id: "rating-comment", rows: 2, maxlength: 2000 });
    comment.value = myRating?.comment || "";
    const issue = el("input", { type: "checkbox", id: "rating-issue", checked: myRating?.issue });
    const audience = this.choice("rating-audience", this.audiences.audiences, myRating?.audience);
    const purpose = this.choice("rating-purpose", this.audiences.purposes, myRating?.purpose);
    const anonymous = el("input", { type: "checkbox", id: "rating-anonymous", checked: myRating?.anonymous });
    const status = el("div", { hidden: true, "data-status": true });
    const problem = el("div", { hidden: true });
    form.append(
      el("p", { class: mine.by_author ? "notice counts" : "muted counts", "data-counts": mine.counted ? "yes" : "no" },
        this.countsNotice(mine)),
      el("p", { class: "muted" }, "1 = poor, 5 = excellent. Give an overall judgement, score only the criteria you "
        + "can judge, or both" + (myRating ? "; saving replaces your earlier rating." : ".")),
      overall, each,
      el("div", { class: "row" },
         el("label", { for: "rating-audience" }, "Judged for (optional)"), audience,
         el("label", { for: "rating-purpose" }, "Used as"), purpose),
      el("label", { for: "rating-comment" }, "Comment (optional)"), comment,
      el("div", { class: "row" }, issue, el("label", { for: "rating-issue" },
        "This comment is an issue the page's authors should fix (it reaches their feed)")),
      el("div", { class: "row" }, anonymous, el("label", { for: "rating-anonymous" }, "Hide my name from colleagues")),
      el("div", { class: "row" }, el("button", { type: "submit", class: "primary" }, myRating ? "Update my rating" : "Save rating")),
      problem, status);
    const picked = (name) => {
      const input = form.querySelector(`input[name="${name}"]:checked`);
      return input && input.value ? Number(input.value) : null;
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showProblem(problem, null);
      status.hidden = true;
      const scores = {};
      for (const c of criteria) {
        if (picked(c.key) !== null) scores[c.key] = picked(c.key);
      }
      const body = { overall: picked("overall"), scores, comment: comment.value, anonymous: anonymous.checked,
                     issue: issue.checked, audience: audience.value || null, purpose: purpose.value || null };
      if (body.overall === null && !Object.keys(scores).length) {
        showProblem(problem, new ApiProblem({ title: "Nothing to save",
          detail: "Give an overall judgement from 1 to 5, or score at least one criterion." }, 0));
        return;
      }
      if (body.issue && !comment.value.trim()) {
        showProblem(problem, new ApiProblem({ title: "Say what to fix",
          detail: "An issue needs a comment that tells the authors what to fix." }, 0));
        return;
      }
      try {
        const rating = await this.api.put(`/api/pages/${page.id}/ratings/mine`, body);
        emit(this, "mature-rated", { pageId: page.id, rating });
        await this.reload();
        const box = this.root.querySelector(".rating [data-status]");
        if (box) {
          box.hidden = false;
          box.className = "notice";
          box.setAttribute("role", "status");
          box.textContent = rating.counted
            ? "Thank you: your rating is saved and counts towards the maturity score above, which is updated."
            : "Your rating is saved and shown to colleagues, but not counted in the maturity score: you wrote part "
              + "of this page.";
          if (rating.issue) box.textContent += " Your comment is sent to the page's authors as an issue.";
        }
      } catch (error) {
        showProblem(problem, error);
      }
    });
    return el("details", { open: true }, el("summary", {}, myRating ? "Your rating" : "Rate this page"), form);
  }

  /** Wiki links point into the API; open the linked page in this viewer instead of showing JSON. */
  async followWikiLink(event) {
    const link = event.target.closest("a[data-page-title]");
    if (!link) return;
    event.preventDefault();
    if (link.classList.contains("missing")) {
      showProblem(this.problemBox, new ApiProblem({ title: "No such page yet",
        detail: `Nobody has written “${link.dataset.pageTitle}” yet. Create it in the editor.` }, 404));
      return;
    }
    try {
      const target = await this.api.get(link.getAttribute("href"));
      emit(this, "mature-open-page", { pageId: target.id });
      this.setAttribute("page-id", String(target.id));
    } catch (error) {
      showProblem(this.problemBox, error);
    }
  }
}

if (!customElements.get("mature-page")) customElements.define("mature-page", MaturePage);
