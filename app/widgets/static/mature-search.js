/**
 * <mature-search> — finds LMI pages: a query box with title suggestions (a combobox: arrows, Enter, Escape),
 * facets to narrow down (phase, space, category, annotation values), sorting, highlighted results (the API's
 * matched/unmatched text parts, shown with <mark>; never as HTML) and paging.
 *
 * Attributes: query (initial query), page-size (default 10), api-base, token.
 * Events (bubble, composed): mature-open-page {pageId} when a result or suggestion is chosen.
 * Method: search(query?) runs a search from the first page.
 */
import { apiFor, el, emit, shadowWith, showProblem } from "./mature-api.js";

const PHASES = {
  expressing_ideas: "Ia Expressing ideas", appropriating: "Ib Appropriating", distributing: "II Distributing",
  formalising: "III Formalising", piloting: "IV Piloting", standardising: "V Standardising",
};

const FACET_VALUES_SHOWN = 5;

const CSS = `
form[role=search] { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: end; }
.combo { position: relative; flex: 1 1 16rem; display: flex; flex-direction: column; }
.combo input { width: 100%; }
[role=listbox] { position: absolute; top: 100%; left: 0; right: 0; z-index: 3; list-style: none; margin: 2px 0 0;
                 padding: 0; background: #fff; border: 1px solid var(--mature-border); border-radius: 4px;
                 box-shadow: 0 4px 12px #0003; max-height: 18rem; overflow: auto; }
[role=option] { padding: 0.35rem 0.6rem; cursor: pointer; }
[role=option] .muted { display: block; font-size: 0.8em; }
[role=option][aria-selected=true], [role=option]:hover { background: var(--mature-accent); color: #fff; }
[role=option][aria-selected=true] .muted, [role=option]:hover .muted { color: #fff; }
.sort { display: flex; flex-direction: column; }
.layout { display: grid; grid-template-columns: 13rem minmax(0, 1fr); gap: 1rem; margin-top: 0.75rem; }
@media (max-width: 640px) { .layout { grid-template-columns: 1fr; } }
fieldset { border: 0; border-top: 1px solid #d0d0d0; margin: 0 0 0.5rem; padding: 0.3rem 0 0; min-width: 0; }
legend { font-weight: 600; font-size: 0.95em; padding: 0; }
.facet label { display: flex; gap: 0.35rem; font-weight: 400; font-size: 0.92em; align-items: baseline; }
.facet .count { color: var(--mature-muted); margin-left: auto; font-variant-numeric: tabular-nums; }
.facet button.more { font-size: 0.85em; padding: 0.1rem 0.5rem; margin-top: 0.2rem; }
ol.results { list-style: none; margin: 0; padding: 0; }
ol.results li { padding: 0.6rem 0; border-bottom: 1px solid #e0e0e0; }
.title { font-size: 1.05rem; font-weight: 600; background: none; border: 0; padding: 0; color: var(--mature-accent);
         text-decoration: underline; text-align: left; cursor: pointer; }
.title:hover { background: none; text-decoration-thickness: 2px; }
.snippet { margin: 0.2rem 0; }
.pager { display: flex; gap: 0.5rem; align-items: center; margin-top: 0.75rem; }
`;

export class MatureSearch extends HTMLElement {
  static observedAttributes = ["token", "api-base"];

  connectedCallback() {
    this.root = shadowWith(this, CSS);
    this.filters = new Map(); // parameter name -> Set of values, e.g. "where" -> {"sector:Construction"}
    this.offset = 0;
    this.suggestions = [];
    this.active = -1;
    this.build();
    const initial = this.getAttribute("query");
    this.search(initial ?? "");
  }

  attributeChangedCallback(_name, old, value) {
    if (this.root && old !== value) this.run();
  }

  get pageSize() {
    return Number(this.getAttribute("page-size")) || 10;
  }

  $(id) {
    return this.root.getElementById(id);
  }

  build() {
    const input = el("input", {
      id: "q", type: "search", role: "combobox", autocomplete: "off", "aria-autocomplete": "list",
      "aria-expanded": "false", "aria-controls": "suggestions", placeholder: "e.g. engineering apprenticeships",
      oninput: () => this.suggestSoon(), onkeydown: (event) => this.onKey(event),
      onblur: () => this.closeSuggestions() });
    const form = el("form", { role: "search", "aria-label": "Search LMI pages" },
      el("div", { class: "combo" },
        el("label", { for: "q" }, "Search LMI pages"),
        input,
        el("ul", { id: "suggestions", role: "listbox", "aria-label": "Page titles", hidden: true })),
      el("div", { class: "sort" }, el("label", { for: "sort" }, "Order"),
        el("select", { id: "sort", onchange: () => this.run(0) },
          el("option", { value: "relevance" }, "Best match"), el("option", { value: "maturity" }, "Most mature"),
          el("option", { value: "recency" }, "Recently changed"))),
      el("button", { type: "submit", class: "primary" }, "Search"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.closeSuggestions();
      this.run(0);
    });
    this.root.append(form,
      el("div", { id: "problem", hidden: true }),
      el("p", { id: "summary", role: "status", "aria-live": "polite", class: "muted" }),
      el("div", { class: "layout" },
        el("div", { id: "facets", role: "group", "aria-label": "Narrow down" }),
        el("div", {}, el("ol", { id: "results", class: "results", "aria-label": "Results" }),
          el("nav", { class: "pager", "aria-label": "Result pages" },
            el("button", { type: "button", id: "previous", onclick: () => this.run(this.offset - this.pageSize) }, "Previous"),
            el("span", { id: "range", class: "muted" }),
            el("button", { type: "button", id: "next", onclick: () => this.run(this.offset + this.pageSize) }, "Next")))));
  }

  search(query = "") {
    this.$("q").value = query;
    this.filters.clear();
    return this.run(0);
  }

  params(offset) {
    const params = { q: this.$("q").value.trim(), sort: this.$("sort").value, offset, limit: this.pageSize };
    for (const [name, values] of this.filters) params[name] = [...values];
    return params;
  }

  async run(offset = this.offset) {
    const api = apiFor(this);
    showProblem(this.$("problem"), null);
    try {
      const answer = await api.get("/api/search", this.params(Math.max(0, offset)));
      this.offset = answer.offset;
      this.show(answer);
    } catch (error) {
      showProblem(this.$("problem"), error);
    }
  }

  show(answer) {
    const summary = this.$("summary");
    const words = answer.total === 1 ? "1 page" : `${answer.total} pages`;
    summary.replaceChildren(answer.query ? `${words} for “${answer.query}”` : `${words} you may read`,
      answer.matched === "any" ? " (no page has every word; showing pages with some of them)" : "",
      answer.did_you_mean ? el("span", {}, ". ", el("button", { type: "button", class: "link",
        onclick: () => { this.$("q").value = answer.did_you_mean; this.run(0); } }, `Did you mean “${answer.did_you_mean}”?`)) : "");
    this.$("results").replaceChildren(...answer.results.map((r) => this.result(r)));
    if (!answer.results.length) this.$("results").append(el("li", {}, "No page matches. Try fewer words or remove a filter."));
    this.$("facets").replaceChildren(...answer.facets.filter((f) => f.values.length).map((f) => this.facet(f)));
    const first = answer.total ? answer.offset + 1 : 0;
    this.$("range").textContent = `${first}–${answer.offset + answer.results.length} of ${answer.total}`;
    this.$("previous").disabled = answer.offset === 0;
    this.$("next").disabled = answer.next_offset === null;
  }

  /** Text with the matched words in <mark>, from the API's parts (text nodes only). */
  parts(parts) {
    return parts.map((p) => (p.match ? el("mark", {}, p.text) : p.text));
  }

  result(r) {
    const phase = PHASES[r.maturity.phase] || r.maturity.phase;
    return el("li", {},
      el("button", { type: "button", class: "title", onclick: () => emit(this, "mature-open-page", { pageId: r.page_id }) },
        ...this.parts(r.title_parts)),
      el("p", { class: "snippet" }, ...this.parts(r.snippet)),
      el("div", { class: "row muted" },
        el("span", {}, r.space.name),
        el("span", { class: `badge phase-${r.maturity.phase}`, title: "Maturity score and phase" }, `${Math.round(r.maturity.score)} · ${phase}`),
        el("span", {}, "changed ", el("time", { datetime: r.modified }, new Date(r.modified).toLocaleDateString()))));
  }

  facet(facet) {
    const [name, template] = facet.parameter.split("=");
    const selected = this.filters.get(name) || new Set();
    this.expanded = this.expanded || new Set();
    const shown = this.expanded.has(facet.key) ? facet.values
      : facet.values.filter((v, n) => n < FACET_VALUES_SHOWN || v.selected);
    const more = facet.values.length - shown.length;
    return el("fieldset", { class: "facet" }, el("legend", {}, facet.label),
      ...shown.map((v) => {
        const value = template.replace("{value}", v.value);
        return el("label", {},
          el("input", { type: "checkbox", checked: v.selected || selected.has(value),
                        onchange: (event) => this.toggle(name, value, event.target.checked) }),
          el("span", {}, facet.key === "phase" ? (PHASES[v.value] || v.label) : v.label),
          el("span", { class: "count", "aria-label": `${v.count} pages` }, String(v.count)));
      }),
      more > 0 ? el("button", { type: "button", class: "more", "aria-label": `Show all ${facet.values.length} ${facet.label} values`,
                                onclick: () => { this.expanded.add(facet.key); this.run(); } }, `Show all (${facet.values.length})`) : null);
  }

  toggle(name, value, on) {
    const values = this.filters.get(name) || new Set();
    if (on) values.add(value);
    else values.delete(value);
    if (values.size) this.filters.set(name, values);
    else this.filters.delete(name);
    this.run(0);
  }

  // Suggestions: a WAI-ARIA combobox with a listbox popup.
  suggestSoon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.suggest(), 150);
  }

  async suggest() {
    const typed = this.$("q").value.trim();
    if (!typed) return this.closeSuggestions();
    const asked = this.generation;
    try {
      const answer = await apiFor(this).get("/api/search/suggest", { q: typed, limit: 8 });
      // Typed on, searched or left the box meanwhile: this answer is out of date.
      if (asked !== this.generation || this.$("q").value.trim() !== typed || this.root.activeElement !== this.$("q")) return;
      this.suggestions = answer.suggestions;
      this.active = -1;
      const list = this.$("suggestions");
      list.replaceChildren(...answer.suggestions.map((s, n) => el("li", {
        id: `suggestion-${n}`, role: "option", "aria-selected": "false",
        onmousedown: (event) => { event.preventDefault(); this.choose(n); } },
      s.title, el("span", { class: "muted" }, s.space.name))));
      list.hidden = !answer.suggestions.length;
      this.$("q").setAttribute("aria-expanded", String(!list.hidden));
    } catch (error) {
      this.closeSuggestions();
      showProblem(this.$("problem"), error);
    }
  }

  onKey(event) {
    const open = !this.$("suggestions").hidden;
    if (event.key === "ArrowDown" && open) this.highlight(Math.min(this.active + 1, this.suggestions.length - 1));
    else if (event.key === "ArrowUp" && open) this.highlight(Math.max(this.active - 1, 0));
    else if (event.key === "Escape" && open) this.closeSuggestions();
    else if (event.key === "Enter" && open && this.active >= 0) this.choose(this.active);
    else return;
    event.preventDefault();
  }

  highlight(n) {
    this.active = n;
    for (const [i, option] of [...this.$("suggestions").children].entries()) {
      option.setAttribute("aria-selected", String(i === n));
      if (i === n) option.scrollIntoView({ block: "nearest" });
    }
    this.$("q").setAttribute("aria-activedescendant", `suggestion-${n}`);
  }

  choose(n) {
    const chosen = this.suggestions[n];
    this.closeSuggestions();
    if (!chosen) return;
    this.$("q").value = chosen.title;
    emit(this, "mature-open-page", { pageId: chosen.page_id });
    this.run(0);
  }

  closeSuggestions() {
    clearTimeout(this.timer);
    this.generation = (this.generation || 0) + 1;
    const list = this.$("suggestions");
    if (!list) return;
    list.hidden = true;
    this.active = -1;
    this.$("q").setAttribute("aria-expanded", "false");
    this.$("q").removeAttribute("aria-activedescendant");
  }
}

if (!customElements.get("mature-search")) customElements.define("mature-search", MatureSearch);
