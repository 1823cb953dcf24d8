/**
 * <mature-dashboard> — the managers' view: maturity overview, review queues, and the skills-gap report with
 * its charts and a CSV download.
 *
 *   <script type="module" src="https://YOUR-SERVICE/widgets/mature-dashboard.js"></script>
 *   <mature-dashboard api-base="https://YOUR-SERVICE" token="mat_…" profile-id="1"></mature-dashboard>
 *
 * Attributes: api-base, token (else localStorage["mature-token"]), profile-id (the report to open first).
 * Events: mature-open-page {pageId} when a page in a review queue is chosen.
 * Each queued page shows its review item (open, claimed by, assigned to, due, overdue) with controls to claim it,
 * assign it to a colleague (managers, or whoever holds it) and resolve it with a note; the queue can be filtered
 * (mine, unassigned, overdue).
 * API: /api/quality/overview, /api/quality/review-queue, /api/pages/{id}/reviews/{kind}/claim|assign|resolve
 * (docs/maturity.md); /api/users/me, /api/users (colleagues to assign to); /api/reports/profiles,
 * /api/reports/skills-gap (JSON and CSV), /api/reports/skills-gap/chart.svg (docs/reports.md).
 * The overview and queues cover the pages the signed-in person may read; the report is for managers and
 * admins (anyone else sees the API's explanation). Charts are fetched with the token and shown as <img>
 * from a blob: URL (an image cannot run scripts); nothing from the API is inserted as HTML.
 */
import { apiFor, el, emit, shadowWith, showProblem } from "./mature-api.js";

const PHASES = [
  ["expressing_ideas", "Ia Expressing ideas"], ["appropriating", "Ib Appropriating"],
  ["distributing", "II Distributing"], ["formalising", "III Formalising"], ["piloting", "IV Piloting"],
  ["standardising", "V Standardising"],
];
const PHASE_NAMES = Object.fromEntries(PHASES);
const QUEUES = [
  ["stale", "Stale", "Valid-until passed, or not reviewed for a year"],
  ["low_rated", "Low rated", "Colleagues rate it 2.5 out of 5 or less"],
  ["low_rated_much_read", "Low rated, much read", "Low rated yet opened often: review first"],
  ["conflicting", "Conflicting ratings", "Colleagues' ratings disagree"],
  ["unassessed", "Unassessed", "Shared, yet rated by nobody but its authors"],
];
const FILTERS = [["", "All"], ["mine", "Mine"], ["unassigned", "Unassigned"], ["overdue", "Overdue"]];
const MANAGING = ["manager", "admin"];
const QUEUE_PAGE = 10;
const DEMAND_DAYS = 90;

const CSS = `
[hidden] { display: none !important; }
section { border-top: 1px solid #d0d0d0; padding-top: 0.5rem; }
section:first-of-type { border-top: none; padding-top: 0; }
.figures { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; margin: 0.25rem 0; padding: 0; list-style: none; }
.figures strong { font-size: 1.4em; display: block; line-height: 1.1; }
.bar { display: inline-block; height: 0.8em; background: var(--mature-accent); vertical-align: middle; min-width: 2px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.queues { display: flex; flex-wrap: wrap; gap: 0.4rem; }
.queues button[aria-pressed=true] { background: var(--mature-accent); border-color: var(--mature-accent); color: #fff; }
.queue-list { padding-left: 1.2rem; }
.queue-list li { margin: 0.4rem 0; }
.review { margin-top: 0.2rem; display: flex; flex-wrap: wrap; gap: 0.3rem 0.6rem; align-items: baseline; }
.review .state { font-size: 0.9em; }
.review .overdue { color: #8a1c12; font-weight: 700; }
.review details { display: inline-block; }
.review details[open] { display: block; width: 100%; }
.review form { display: flex; flex-wrap: wrap; gap: 0.3rem 0.6rem; align-items: end; margin: 0.3rem 0; }
.review textarea { min-width: 16rem; min-height: 3rem; }
.link { background: none; border: none; padding: 0; color: var(--mature-accent); text-decoration: underline;
        cursor: pointer; font-weight: 600; text-align: left; }
.link:hover { background: none; text-decoration-thickness: 2px; }
figure { margin: 0.5rem 0; overflow-x: auto; }
figure img { max-width: 100%; height: auto; border: 1px solid #d0d0d0; }
figcaption { font-size: 0.9em; color: var(--mature-muted); }
.report-table { overflow-x: auto; }
.report-table table { font-size: 0.9em; width: 100%; }
.gap { font-weight: 700; color: #8a1c12; }
.spof { color: #6b3e00; font-weight: 600; }
`;

function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

function names(people, hidden) {
  const named = people.map((p) => `${p.name} (${Number(p.level.toFixed(1))})`);
  if (hidden) named.push(`${plural(hidden, "hidden profile")}`);
  return named.length ? named.join("; ") : "—";
}

class MatureDashboard extends HTMLElement {
  static get observedAttributes() { return ["token", "api-base", "profile-id"]; }

  connectedCallback() {
    if (!this.root) this.build();
    this.load();
  }

  disconnectedCallback() {
    this.releaseUrls();
  }

  attributeChangedCallback(name, before, after) {
    if (!this.root || before === after) return;
    if (name === "profile-id") { if (after) this.openReport(Number(after)); }
    else this.load();
  }

  /** A fresh client each time, so a changed token attribute (or a new sign-in) is used at once. */
  get api() { return apiFor(this); }

  build() {
    this.root = shadowWith(this, CSS);
    this.urls = [];
    this.queue = "stale";
    this.filter = "";
    this.overviewProblem = el("div", { hidden: true });
    this.queueProblem = el("div", { hidden: true });
    this.reportProblem = el("div", { hidden: true });
    this.overviewBox = el("div", { class: "stack" });
    this.queueButtons = el("div", { class: "queues", role: "group", "aria-label": "Review queues" });
    this.queueBox = el("div", { "aria-live": "polite" });
    this.queueStatus = el("p", { class: "muted", role: "status" });
    this.filterSelect = el("select", { id: "queue-filter", onchange: () => {
      this.filter = this.filterSelect.value;
      this.showQueue(this.queue);
    } }, ...FILTERS.map(([value, label]) => el("option", { value }, label)));
    this.profileSelect = el("select", { id: "profile" });
    this.reportBox = el("div", { class: "stack", "aria-live": "polite" });
    this.demandSection = el("section", { "aria-labelledby": "demand-heading", hidden: true });
    const reportForm = el("form", { class: "row", "aria-label": "Skills-gap report", onsubmit: (e) => {
      e.preventDefault();
      if (this.profileSelect.value) this.openReport(Number(this.profileSelect.value));
    } }, el("label", { for: "profile" }, "Required-expertise profile"), this.profileSelect,
    el("button", { type: "submit", class: "primary" }, "Show report"));
    this.reportForm = reportForm;
    this.root.append(el("div", { class: "card stack" },
      el("section", { "aria-labelledby": "overview-heading" },
         el("h3", { id: "overview-heading" }, "Maturity overview"), this.overviewProblem, this.overviewBox),
      el("section", { "aria-labelledby": "queues-heading" },
         el("h3", { id: "queues-heading" }, "Review queues"), this.queueButtons,
         el("div", { class: "row" }, el("label", { for: "queue-filter" }, "Show"), this.filterSelect),
         this.queueProblem, this.queueStatus, this.queueBox),
      el("section", { "aria-labelledby": "report-heading" },
         el("h3", { id: "report-heading" }, "Skills-gap report"), reportForm, this.reportProblem, this.reportBox),
      this.demandSection));
  }

  load() {
    this.loadOverview();
    this.loadProfiles();
  }

  releaseUrls() {
    for (const url of this.urls || []) URL.revokeObjectURL(url);
    this.urls = [];
  }

  // ------------------------------------------------------------ overview and queues

  async loadOverview() {
    showProblem(this.overviewProblem, null);
    try {
      const [overview, me] = await Promise.all([this.api.get("/api/quality/overview"), this.api.get("/api/users/me")]);
      this.me = me;
      this.renderOverview(overview);
      await this.showQueue(this.queue);
    } catch (error) {
      showProblem(this.overviewProblem, error);
    }
  }

  renderOverview(overview) {
    this.counts = overview.queues;
    const most = Math.max(1, ...Object.values(overview.by_phase));
    const phaseRows = PHASES.map(([key, label]) => {
      const count = overview.by_phase[key] || 0;
      return el("tr", {}, el("th", { scope: "row" }, label), el("td", { class: "num" }, String(count)),
                el("td", { "aria-hidden": "true" }, el("span", { class: "bar", style: { width: `${(count / most) * 8}rem` } })));
    });
    const spaceRows = overview.spaces.map((s) => el("tr", {},
      el("th", { scope: "row" }, s.name), el("td", { class: "num" }, String(s.pages)),
      el("td", { class: "num" }, s.mean_score.toFixed(1))));
    const waiting = overview.pages_in_queues;  // pages, not queue entries: a page may wait in several queues
    this.overviewBox.replaceChildren(
      el("ul", { class: "figures", "aria-label": "Figures" },
         el("li", {}, el("strong", {}, String(overview.pages)), "pages you may read"),
         el("li", {}, el("strong", {}, String(overview.spaces.length)), "spaces"),
         el("li", {}, el("strong", {}, String(waiting)), "in the review queues")),
      el("table", {}, el("caption", { class: "muted" }, "Pages per knowledge-maturing phase"),
         el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Phase"), el("th", { scope: "col", class: "num" }, "Pages"),
                                  el("td", {}))),
         el("tbody", {}, ...phaseRows)),
      spaceRows.length ? el("table", {}, el("caption", { class: "muted" }, "Spaces"),
         el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Space"), el("th", { scope: "col", class: "num" }, "Pages"),
                                  el("th", { scope: "col", class: "num" }, "Mean maturity"))),
         el("tbody", {}, ...spaceRows)) : null);
    this.queueButtons.replaceChildren(...QUEUES.map(([key, label, hint]) => el("button", {
      type: "button", "aria-pressed": String(key === this.queue), title: hint, dataset: { queue: key },
      onclick: () => this.showQueue(key),
    }, `${label} (${overview.queues[key] ?? 0})`)));
  }

  async showQueue(kind, offset = 0) {
    this.queue = kind;
    for (const button of this.queueButtons.querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(button.dataset.queue === kind));
    }
    showProblem(this.queueProblem, null);
    try {
      const { items, next_cursor: more } = await this.api.get("/api/quality/review-queue",
        { kind, offset, limit: QUEUE_PAGE, filter: this.filter });
      const [, label, hint] = QUEUES.find(([key]) => key === kind);
      const list = el("ol", { class: "queue-list", start: String(offset + 1), "aria-label": `${label} pages` },
        ...items.map((item) => el("li", {},
          el("button", { type: "button", class: "link", onclick: () => emit(this, "mature-open-page", { pageId: item.page_id }) },
             item.title), " ",
          el("span", { class: "muted" }, item.score === null ? "(not assessed)"
            : `(maturity ${Math.round(item.score)}, ${PHASE_NAMES[item.phase] || item.phase})`),
          el("div", {}, item.reason),
          this.reviewRow(kind, item))));
      const paging = el("div", { class: "row" },
        offset > 0 ? el("button", { type: "button", onclick: () => this.showQueue(kind, Math.max(0, offset - QUEUE_PAGE)) },
                        "Previous") : null,
        more ? el("button", { type: "button", onclick: () => this.showQueue(kind, offset + QUEUE_PAGE) }, "Next") : null);
      this.queueBox.replaceChildren(el("p", { class: "muted" }, hint + "."),
        items.length ? list : el("p", {}, "Nothing waiting here."), paging);
    } catch (error) {
      this.queueBox.replaceChildren();
      showProblem(this.queueProblem, error);
    }
  }

  // ------------------------------------------------------------ working a review item

  /** Who works on the page's review, and the controls the signed-in person may use on it. */
  reviewRow(kind, item) {
    const review = item.review;
    const me = this.me || {};
    const mine = review.assignee && review.assignee.id === me.id;
    const manages = MANAGING.includes(me.role);
    let state = "Open: nobody works on it yet";
    if (review.state === "claimed") state = mine ? "Claimed by you" : `Claimed by ${review.assignee.display_name}`;
    if (review.state === "assigned") {
      state = `Assigned to ${mine ? "you" : review.assignee.display_name} by ${review.assigned_by ? review.assigned_by.display_name : "a colleague"}`;
    }
    const due = review.due_on ? `, due ${new Date(`${review.due_on}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" })}` : "";
    return el("div", { class: "review" },
      el("span", { class: "state" }, state + due, review.overdue ? el("span", { class: "overdue" }, " — overdue") : null),
      !review.assignee ? el("button", { type: "button", onclick: () => this.work(kind, item, "claim", {}, `You claimed the review of ${item.title}.`) },
                            "Claim") : null,
      manages || mine ? this.assignForm(kind, item) : null,
      !review.assignee || mine || manages ? this.resolveForm(kind, item) : null);
  }

  assignForm(kind, item) {
    const id = `assign-${kind}-${item.page_id}`;
    const who = el("select", { id: `${id}-who`, required: true }, el("option", { value: "" }, "Choose a colleague…"));
    const due = el("input", { id: `${id}-due`, type: "date", value: item.review.due_on || "" });
    const details = el("details", {}, el("summary", {}, "Assign…"), el("form", { onsubmit: (e) => {
      e.preventDefault();
      const person = this.colleagues.find((c) => String(c.id) === who.value);
      this.work(kind, item, "assign", { assignee_id: Number(who.value), due_on: due.value || null },
                `The review of ${item.title} is assigned to ${person ? person.display_name : "your colleague"}.`);
    } }, el("label", { for: who.id }, "Colleague"), who, el("label", { for: due.id }, "Due"), due,
       el("button", { type: "submit" }, "Assign")));
    details.addEventListener("toggle", async () => {
      if (!details.open || who.options.length > 1) return;
      try {
        this.colleagues = this.colleagues || (await this.api.get("/api/users", { limit: 200 })).items.filter((u) => u.is_active);
        who.append(...this.colleagues.map((c) => el("option", { value: String(c.id) }, c.display_name)));
      } catch (error) {
        showProblem(this.queueProblem, error);
      }
    });
    return details;
  }

  resolveForm(kind, item) {
    const id = `resolve-${kind}-${item.page_id}`;
    const note = el("textarea", { id, required: true, maxlength: "2000" });
    return el("details", {}, el("summary", {}, "Resolve…"), el("form", { onsubmit: (e) => {
      e.preventDefault();
      this.work(kind, item, "resolve", { note: note.value }, `Resolved the review of ${item.title}: it leaves the queue until the page changes.`);
    } }, el("label", { for: id }, "What the review found or did"), note, el("button", { type: "submit", class: "primary" }, "Resolve")));
  }

  /** One action on a review item; the queue and its counts are then read again, and the outcome said in words. */
  async work(kind, item, action, body, done) {
    showProblem(this.queueProblem, null);
    this.queueStatus.textContent = "";
    try {
      await this.api.post(`/api/pages/${item.page_id}/reviews/${kind}/${action}`, body);
      this.renderOverview(await this.api.get("/api/quality/overview"));
      await this.showQueue(kind);
      this.queueStatus.textContent = done;
    } catch (error) {
      showProblem(this.queueProblem, error);
    }
  }

  // ------------------------------------------------------------ skills-gap report

  async loadProfiles() {
    showProblem(this.reportProblem, null);
    try {
      const { items: profiles } = await this.api.get("/api/reports/profiles", { limit: 200 });
      this.reportForm.hidden = false;
      this.profileSelect.replaceChildren(...profiles.map((p) => el("option", { value: String(p.id) },
        `${p.name} — ${p.team ? p.team.name : "whole organisation"}`)));
      if (!profiles.length) {
        this.reportForm.hidden = true;
        this.reportBox.replaceChildren(el("p", {}, "No required-expertise profile yet: define one with ",
                                          el("code", {}, "POST /api/reports/profiles"), " (docs/reports.md)."));
        return;
      }
      this.loadDemand();
      const wanted = Number(this.getAttribute("profile-id"));
      if (wanted && profiles.some((p) => p.id === wanted)) {
        this.profileSelect.value = String(wanted);
        await this.openReport(wanted);
      }
    } catch (error) {
      this.reportForm.hidden = true;
      this.reportBox.replaceChildren();
      showProblem(this.reportProblem, error);
    }
  }

  /** Demand signals: questions nobody could answer well, and topics whose pages are stale or immature. */
  async loadDemand() {
    const box = el("div", { class: "stack" });
    this.demandSection.replaceChildren(el("h3", { id: "demand-heading" }, `Where expertise is wanted (last ${DEMAND_DAYS} days)`), box);
    this.demandSection.hidden = false;
    try {
      const demand = await this.api.get("/api/reports/demand", { days: DEMAND_DAYS, limit: 10 });
      const searches = demand.searches.map((d) => el("li", {},
        el("strong", {}, `“${d.query}”`), d.topic ? ` (${d.topic.label})` : " (no topic of the scheme)",
        `: asked ${plural(d.asked, "time")}, ${d.unanswered} unanswered, ${d.weak} weak`));
      const knowledge = demand.knowledge.map((d) => el("li", {},
        el("strong", {}, d.topic.label), `: ${plural(d.pages, "page")}, ${d.stale_pages} stale, ${d.immature_pages} immature`));
      box.append(el("h4", {}, "“Who knows about…” questions without a good answer"),
        searches.length ? el("ul", { class: "demand-searches" }, ...searches) : el("p", {}, "None: every question found someone."),
        el("h4", {}, "Topics whose pages need work"),
        knowledge.length ? el("ul", { class: "demand-knowledge" }, ...knowledge) : el("p", {}, "None."));
    } catch (error) {
      const problem = el("div");
      box.append(problem);
      showProblem(problem, error);
    }
  }

  async openReport(profileId) {
    showProblem(this.reportProblem, null);
    this.reportBox.replaceChildren(el("p", { class: "muted" }, "Loading the report…"));
    try {
      const report = await this.api.get("/api/reports/skills-gap", { profile_id: profileId });
      this.releaseUrls();
      const [gapChart, heatmap] = await Promise.all([
        this.chart(profileId, "gap", `Required and available people per topic for ${report.profile.name}`),
        this.chart(profileId, "heatmap", `People at the required level by team for ${report.profile.name}`),
      ]);
      this.renderReport(report, gapChart, heatmap);
    } catch (error) {
      this.reportBox.replaceChildren();
      showProblem(this.reportProblem, error);
    }
  }

  /** A chart as an <img> from a blob: URL: fetched with the token, never inserted as SVG markup. */
  async chart(profileId, kind, description) {
    const svg = await this.api.text("/api/reports/skills-gap/chart.svg", { profile_id: profileId, kind }, "image/svg+xml");
    const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
    this.urls.push(url);
    return el("figure", {}, el("img", { src: url, alt: `${description} (the same figures are in the table below)`,
                                        class: `chart-${kind}` }),
              el("figcaption", {}, `${description}. `,
                 el("a", { href: url, target: "_blank", rel: "noopener", "aria-label": `Open the chart full size: ${description}` },
                    "Open the chart full size")));
  }

  renderReport(report, gapChart, heatmap) {
    const s = report.summary;
    const scope = report.profile.team ? `team ${report.profile.team.name}` : "the whole organisation";
    const download = el("button", { type: "button", class: "download", onclick: () => this.downloadCsv(report.profile.id) },
                        "Download CSV");
    this.savedLink = el("p", { class: "muted", "aria-live": "polite" });
    const rows = report.topics.map((t) => el("tr", {},
      el("th", { scope: "row" }, t.topic.label, el("div", { class: "muted" }, `${t.priority} priority, level ${t.level}+`)),
      el("td", { class: "num" }, String(t.required)), el("td", { class: "num" }, String(t.available)),
      el("td", { class: `num${t.gap ? " gap" : ""}` }, String(t.gap)),
      el("td", {},
         el("div", {}, names(t.people, t.hidden_people)),
         t.single_point_of_failure ? el("div", { class: "spof" }, "Single point of failure") : null,
         t.training_candidates.length || t.hidden_candidates
           ? el("div", {}, el("span", { class: "muted" }, "Could train up: "), names(t.training_candidates, t.hidden_candidates))
           : null,
         t.external_contacts.length || t.hidden_contacts
           ? el("div", {}, el("span", { class: "muted" }, "External: "), names(t.external_contacts, t.hidden_contacts))
           : null),
      el("td", { class: "num" }, `${t.knowledge_base.pages} (${t.knowledge_base.mature_pages} mature)`)));
    const headings = [["Topic", ""], ["Required", "num"], ["Available", "num"], ["Gap", "num"],
                      ["People at the level", ""], ["Pages", "num"]];
    this.reportBox.replaceChildren(
      el("h4", {}, `${report.profile.name} (${scope})`),
      el("ul", { class: "figures", "aria-label": "Summary" },
         el("li", {}, el("strong", {}, String(s.people_in_scope)), "people in scope"),
         el("li", {}, el("strong", {}, `${s.topics_with_gap} of ${s.topics}`), "topics with a gap"),
         el("li", {}, el("strong", {}, String(s.total_gap)), "people short in all"),
         el("li", {}, el("strong", {}, String(s.single_points_of_failure)), "single points of failure")),
      el("p", { class: "muted" }, `As of ${new Date(report.as_of).toLocaleString()}.`),
      el("div", { class: "row" }, download, this.savedLink),
      gapChart, heatmap,
      el("div", { class: "report-table" }, el("table", {},
         el("caption", { class: "muted" }, "Per topic: levels are the mean of colleagues' tags (1–5)"),
         el("thead", {}, el("tr", {}, ...headings.map(([h, cls]) => el("th", { scope: "col", class: cls }, h)))),
         el("tbody", {}, ...rows))));
  }

  /** The CSV fetched with the token, saved through a blob: link (an <a href> cannot carry the token). */
  async downloadCsv(profileId) {
    showProblem(this.reportProblem, null);
    try {
      const { data, response } = await this.api.request("GET", "/api/reports/skills-gap", {
        params: { profile_id: profileId, format: "csv" }, accept: "text/csv", raw: true });
      const disposition = response.headers.get("content-disposition") || "";
      const filename = (/filename="([^"]+)"/.exec(disposition) || [])[1] || `skills-gap-${profileId}.csv`;
      const url = URL.createObjectURL(new Blob([data], { type: "text/csv;charset=utf-8" }));
      this.urls.push(url);
      const link = el("a", { href: url, download: filename }, filename);
      this.savedLink.replaceChildren("Saved as ", link, " (choose it to save again).");
      link.click();
    } catch (error) {
      showProblem(this.reportProblem, error);
    }
  }
}

if (!customElements.get("mature-dashboard")) customElements.define("mature-dashboard", MatureDashboard);
export { MatureDashboard };
