/**
 * <mature-editor page-id="9"> — writes LMI pages: Markdown with [[wiki links]] and [[Property::Value]]
 * annotations (hints from the ontology), a server-rendered preview that also checks the annotations, and
 * saving that never loses what was typed: the edit carries If-Match with the revision it is based on; a
 * colleague's non-overlapping save is merged by the server, an overlapping one answers 409, and the conflict
 * is shown beside your text so you can resolve it and save again.
 *
 * Without page-id it creates a page (choose a space you may edit, give a title).
 * Attributes: page-id, space-id (default space for new pages), api-base, token.
 * Events (bubble, composed): mature-page-saved {pageId, revisionId, merged, created}.
 * Method: load() (re-read the page, discarding unsaved text).
 */
import { apiFor, ApiProblem, el, emit, setSanitisedHtml, shadowWith, showProblem } from "./mature-api.js";

const CSS = `
.fields { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0.5rem 1rem; }
.fields > div { display: flex; flex-direction: column; }
.fields > div.minor { flex-direction: row; align-self: end; padding-bottom: 0.4rem; }
.fields > div.minor label { font-weight: 400; }
.fields .wide { grid-column: 1 / -1; }
.editor-layout { display: grid; grid-template-columns: minmax(0, 1.4fr) minmax(0, 1fr); gap: 1rem; align-items: start; }
@media (max-width: 820px) { .editor-layout, .fields { grid-template-columns: 1fr; } }
textarea#content { min-height: 20rem; resize: vertical; }
.hints { background: var(--mature-soft); border: 1px solid #c9ced6; border-radius: 6px; padding: 0.5rem 0.75rem; }
.hints h4 { margin-top: 0; }
.hints .row > * { flex: 1 1 8rem; }
.hints p { margin: 0.3rem 0; }
.preview { border: 1px dashed var(--mature-border); border-radius: 6px; padding: 0.5rem 0.75rem; }
.preview dl dt { font-weight: 600; }
.preview h1, .preview h2 { font-size: 1.15rem; }
.preview h3, .preview h4, .preview h5, .preview h6 { font-size: 1rem; }
.conflict { border: 2px solid #b3261e; border-radius: 6px; padding: 0.5rem 0.75rem; background: #fff8f7; }
.conflict pre, .clash pre { white-space: pre-wrap; background: #fff; border: 1px solid #d0d0d0; padding: 0.4rem;
                            margin: 0.2rem 0; font-size: 13px; max-height: 16rem; overflow: auto; }
.clash { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 0.5rem; }
@media (max-width: 820px) { .clash { grid-template-columns: 1fr; } }
.clash h5 { margin: 0.2rem 0; }
`;

export class MatureEditor extends HTMLElement {
  static observedAttributes = ["page-id", "token", "api-base"];

  connectedCallback() {
    this.root = shadowWith(this, CSS);
    this.build();
    this.load();
  }

  attributeChangedCallback(name, old, value) {
    if (this.quiet) {
      this.quiet = false; // our own page-id change after creating: the form already shows the page
      return;
    }
    if (!this.root || old === value) return;
    if (name === "page-id" && this.dirty() && !confirm("Your changes in the editor are not saved. Discard them and open the other page?")) {
      this.quiet = true; // keep editing: put the attribute back without reloading
      if (old === null) this.removeAttribute("page-id");
      else this.setAttribute("page-id", old);
      return;
    }
    this.load();
  }

  /** Text typed and not saved (compared with the page as loaded, or an empty new page). */
  dirty() {
    const area = this.$("content");
    if (!area) return false;
    return area.value !== (this.page ? this.page.content : "");
  }

  get pageId() {
    return this.getAttribute("page-id");
  }

  $(id) {
    return this.root.getElementById(id);
  }

  build() {
    const field = (id, label, input, extra = {}) => el("div", extra, el("label", { for: id }, label), input);
    this.form = el("form", { class: "stack", "aria-label": "Page editor", novalidate: true },
      el("div", { id: "problem", hidden: true }),
      el("div", { id: "status", hidden: true, role: "status" }),
      el("div", { class: "fields" },
        field("space", "Space", el("select", { id: "space" }), { id: "space-field" }),
        field("title", "Title", el("input", { id: "title", required: true, maxlength: 200, autocomplete: "off" }), { id: "title-field" }),
        field("categories", "Categories (comma-separated)", el("input", { id: "categories", autocomplete: "off" }), { class: "wide" })),
      el("div", { class: "editor-layout" },
        el("div", { class: "stack" },
          el("label", { for: "content" }, "Text (Markdown; [[Page title]] links, [[Property::Value]] facts)"),
          el("textarea", { id: "content", spellcheck: "true", "aria-describedby": "content-help" }),
          el("p", { id: "content-help", class: "muted" },
            "Headings with ##, lists with -, links to pages as [[Title]], categories as [[Category:Name]].")),
        this.hintsPanel()),
      el("div", { class: "fields" },
        field("summary", "Edit summary", el("input", { id: "summary", maxlength: 500, placeholder: "What did you change, and from which source?" })),
        el("div", { class: "row minor" },
          el("input", { type: "checkbox", id: "minor" }), el("label", { for: "minor" }, "Minor edit (typo, formatting)"))),
      el("div", { class: "row" },
        el("button", { type: "button", id: "preview-button", onclick: () => this.preview() }, "Preview"),
        el("button", { type: "submit", class: "primary", id: "save" }, "Save")),
      el("section", { id: "conflict", class: "conflict stack", hidden: true, "aria-labelledby": "conflict-heading" }),
      el("section", { id: "preview", class: "preview", hidden: true, "aria-label": "Preview" }));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    this.root.append(this.form);
  }

  hintsPanel() {
    return el("div", { class: "hints stack", role: "group", "aria-labelledby": "hints-heading" },
      el("h4", { id: "hints-heading" }, "Add a fact"),
      el("div", { class: "row" },
        el("div", {}, el("label", { for: "hint-property" }, "Property"), el("br"),
          el("select", { id: "hint-property", onchange: () => this.describeProperty() })),
        el("div", {}, el("label", { for: "hint-value" }, "Value"), el("br"),
          el("input", { id: "hint-value", list: "hint-values", autocomplete: "off" }),
          el("datalist", { id: "hint-values" }))),
      el("p", { id: "hint-expected", class: "muted", "aria-live": "polite" }),
      el("button", { type: "button", onclick: () => this.insertAnnotation() }, "Insert into text"));
  }

  /** Read the page (or the spaces, for a new one) and the ontology's properties. */
  async load() {
    if (!this.root) return;
    this.api = apiFor(this);
    this.showProblem(null);
    this.setStatus(null);
    this.$("conflict").hidden = true;
    this.$("preview").hidden = true;
    const creating = !this.pageId;
    this.mode(creating);
    try {
      const [ontology, spaces, page] = await Promise.all([
        this.ontology || this.api.get("/api/ontology"),
        creating ? this.api.get("/api/spaces", { limit: 200 }) : null,
        creating ? null : this.api.request("GET", `/api/pages/${encodeURIComponent(this.pageId)}`),
      ]);
      this.ontology = ontology;
      this.fillProperties(ontology.properties);
      if (creating) this.startNew(spaces.items);
      else this.startEdit(page.data, page.etag);
    } catch (error) {
      this.showProblem(error);
    }
  }

  /** Creating shows the space choice and "Create page"; editing shows "Save". */
  mode(creating) {
    this.$("space-field").hidden = !creating;
    this.$("save").textContent = creating ? "Create page" : "Save";
  }

  startNew(spaces) {
    const editable = spaces.filter((s) => s.my_right === "edit" || s.my_right === "own");
    const select = this.$("space");
    select.replaceChildren(...editable.map((s) => el("option", { value: s.id }, s.name)));
    const preferred = this.getAttribute("space-id");
    if (preferred) select.value = preferred;
    this.page = null;
    this.etag = null;
    this.$("title").readOnly = false;
    this.$("title").value = "";
    this.$("categories").value = "";
    this.$("content").value = "";
    this.$("summary").value = "";
  }

  startEdit(page, etag) {
    this.mode(false);
    this.page = page;
    this.etag = etag || page.etag;
    this.$("title").value = page.title;
    this.$("title").readOnly = true; // renaming is a move (POST .../move), not an edit
    this.$("categories").value = page.categories.join(", ");
    this.$("content").value = page.content;
    this.$("summary").value = "";
    this.$("minor").checked = false;
  }

  fillProperties(properties) {
    const select = this.$("hint-property");
    if (select.options.length) return;
    this.properties = new Map(properties.map((p) => [p.label, p]));
    select.replaceChildren(...properties.map((p) => el("option", { value: p.label }, p.label)));
    this.describeProperty();
  }

  describeProperty() {
    const property = this.properties?.get(this.$("hint-property").value);
    if (!property) return;
    this.$("hint-expected").textContent = `${property.label}: ${property.expected}`
      + (property.alt_labels.length ? ` (also written ${property.alt_labels.join(", ")})` : "") + ".";
    this.$("hint-values").replaceChildren(...property.concepts.map((c) => el("option", { value: c.label })));
  }

  /** Put [[Property::Value]] at the cursor, keeping the rest of the text. */
  insertAnnotation() {
    const property = this.$("hint-property").value;
    const value = this.$("hint-value").value.trim();
    if (!property || !value) {
      this.showProblem(new ApiProblem({ title: "Nothing to insert", detail: "Choose a property and type its value first." }, 0));
      this.$("hint-value").focus();
      return;
    }
    const area = this.$("content");
    const start = area.selectionStart ?? area.value.length;
    const end = area.selectionEnd ?? start;
    const text = `[[${property}::${value}]]`;
    area.setRangeText(text, start, end, "end");
    area.focus();
    this.$("hint-value").value = "";
    this.showProblem(null);
  }

  categories() {
    return this.$("categories").value.split(",").map((c) => c.trim()).filter(Boolean);
  }

  spaceId() {
    return this.page ? this.page.space_id : Number(this.$("space").value);
  }

  /** The server renders the text exactly as it would be saved, and says which facts it would refuse. */
  async preview() {
    this.showProblem(null);
    const box = this.$("preview");
    try {
      const result = await this.api.post(`/api/spaces/${this.spaceId()}/preview`,
        { content: this.$("content").value, categories: this.categories() });
      const html = el("div", {});
      setSanitisedHtml(html, result.html);
      box.replaceChildren(...[
        el("h4", {}, "Preview"),
        result.problems.length ? el("div", { class: "problem", role: "alert" },
          el("strong", {}, "Saving would refuse these facts:"),
          el("ul", {}, ...result.problems.map((p) => el("li", {}, `${p.annotation}: ${p.message} Expected ${p.accepted}.`
            + (p.suggestions?.length ? ` Did you mean ${p.suggestions.join(", ")}?` : ""))))) : null,
        html,
        result.annotations.length ? el("dl", { "aria-label": "Facts" },
          ...result.annotations.flatMap((a) => [el("dt", {}, a.property), el("dd", {}, a.value)])) : null,
        result.links.some((l) => !l.exists) ? el("p", { class: "muted" },
          `Links to pages not written yet: ${result.links.filter((l) => !l.exists).map((l) => l.title).join(", ")}.`) : null,
      ].filter(Boolean));
      box.hidden = false;
    } catch (error) {
      this.showProblem(error);
    }
  }

  async save() {
    this.showProblem(null);
    this.setStatus(null);
    const button = this.$("save");
    button.disabled = true;
    try {
      if (this.page) await this.saveEdit();
      else await this.create();
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 409 && error.problem.current_revision) this.showConflict(error);
      else this.showProblem(error);
    } finally {
      button.disabled = false;
    }
  }

  async create() {
    const title = this.$("title").value.trim();
    if (!title) {
      this.showProblem(new ApiProblem({ title: "Title missing", detail: "Give the page a title before creating it." }, 0));
      this.$("title").focus();
      return;
    }
    const { data, etag } = await this.api.request("POST", "/api/pages", { body: {
      space_id: this.spaceId(), title, content: this.$("content").value, categories: this.categories(),
      summary: this.$("summary").value } });
    this.setAttributeQuietly(data.id);
    this.startEdit(data, etag);
    this.setStatus(`Created “${data.title}”.`);
    emit(this, "mature-page-saved", { pageId: data.id, revisionId: data.revision.id, merged: false, created: true });
  }

  async saveEdit() {
    const typed = this.$("content").value;
    const { data, etag } = await this.api.request("PATCH", `/api/pages/${this.page.id}`, {
      ifMatch: this.etag,
      body: { content: typed, categories: this.categories(), summary: this.$("summary").value,
              minor: this.$("minor").checked, on_conflict: "merge" } });
    this.$("conflict").hidden = true;
    this.startEdit(data, etag);
    if (!data.changed) this.setStatus("Nothing changed, so no new revision was made.");
    else if (data.merged) {
      this.setStatus(`Saved as revision ${data.revision.number}. Colleagues saved changes meanwhile `
        + `(revision ${data.merged_with.join(", ")}); they did not overlap yours, so both are kept. The text above is the merged page.`);
    } else this.setStatus(`Saved as revision ${data.revision.number}.`);
    emit(this, "mature-page-saved", { pageId: data.id, revisionId: data.revision.id, merged: data.merged, created: false });
  }

  /** 409: someone saved overlapping changes. Show theirs beside yours; the textarea keeps your text. */
  showConflict(error) {
    const problem = error.problem;
    const current = problem.current_revision;
    const yours = problem.attempted_content ?? this.$("content").value;
    this.$("content").value = yours;
    this.conflictBase = current;
    const box = this.$("conflict");
    const clash = (c, n) => el("div", { class: "clash", role: "group", "aria-label": `Clash ${n}` },
      el("div", {}, el("h5", {}, `Before (line ${c.base_start})`), el("pre", {}, c.base.join("\n") || "(nothing)")),
      el("div", {}, el("h5", {}, "Saved meanwhile"), el("pre", {}, c.current.join("\n") || "(removed)")),
      el("div", {}, el("h5", {}, "Yours"), el("pre", {}, c.yours.join("\n") || "(removed)")));
    box.replaceChildren(
      el("h4", { id: "conflict-heading" }, "Not saved yet: a colleague changed the same lines"),
      el("p", { role: "alert" }, `Revision ${current.number} was saved while you were editing`
        + (current.summary ? ` (“${current.summary}”)` : "") + ". Your text is still in the editor. "
        + "Change it so that it keeps what is right from both, then choose “Save my resolved text”."),
      el("details", {}, el("summary", {}, "What the service said"), el("p", {}, `${error.title}: ${error.message}`)),
      ...(problem.conflicts || []).map((c, i) => clash(c, i + 1)),
      el("details", {}, el("summary", {}, `The whole page as saved in revision ${current.number}`),
        el("pre", { tabindex: "0" }, current.content)),
      el("div", { class: "row" },
        el("button", { type: "button", class: "primary", onclick: () => this.resolve() }, "Save my resolved text"),
        el("button", { type: "button", onclick: () => this.takeTheirs(current, yours) }, "Start again from their version")));
    box.hidden = false;
    box.querySelector("h4").setAttribute("tabindex", "-1");
    box.querySelector("h4").focus();
  }

  /** Save the textarea as an edit of the revision now current (the user has merged by hand). */
  async resolve() {
    if (!this.conflictBase) return;
    this.etag = `"rev-${this.conflictBase.id}"`;
    this.conflictBase = null;
    await this.save();
  }

  /** Their text in the editor; yours stays visible in the conflict panel so nothing is lost. */
  takeTheirs(current, yours) {
    this.$("content").value = current.content;
    this.etag = `"rev-${current.id}"`;
    this.conflictBase = null;
    const box = this.$("conflict");
    box.replaceChildren(
      el("h4", { id: "conflict-heading" }, "Their version is in the editor"),
      el("p", {}, "Your text, to copy from:"),
      el("pre", { tabindex: "0" }, yours));
    this.$("content").focus();
  }

  setAttributeQuietly(pageId) {
    this.quiet = true;
    this.setAttribute("page-id", String(pageId));
  }

  showProblem(error) {
    showProblem(this.$("problem"), error);
  }

  setStatus(text) {
    const box = this.$("status");
    box.hidden = !text;
    box.className = text ? "notice" : "";
    box.textContent = text || "";
  }
}

if (!customElements.get("mature-editor")) customElements.define("mature-editor", MatureEditor);
