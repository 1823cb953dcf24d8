/**
 * <mature-people> — people tagging: tag a colleague with a topic, "who knows about X", a person's profile,
 * and hiding (your whole profile, or a colleague's tag about you).
 *
 *   <script type="module" src="https://YOUR-SERVICE/widgets/mature-people.js"></script>
 *   <mature-people api-base="https://YOUR-SERVICE" token="mat_…" person-id="4"></mature-people>
 *
 * Attributes: api-base, token (else localStorage["mature-token"]), person-id (a profile to open first).
 * Events: mature-open-page {pageId} when an evidence or authored page is chosen.
 * API: /api/people, /api/people/{id}(/tags), /api/experts, /api/topics/suggest (docs/people.md).
 * Everything from the API is shown as text; nothing is inserted as HTML.
 */
import { apiFor, el, emit, shadowWith, showProblem } from "./mature-api.js";

const LEVELS = {
  1: "1 — aware of it",
  2: "2 — can explain it",
  3: "3 — can apply it",
  4: "4 — can guide colleagues",
  5: "5 — can change how the organisation does it",
};
const PHASES = {
  expressing_ideas: "Ia expressing ideas", appropriating: "Ib appropriating", distributing: "II distributing",
  formalising: "III formalising", piloting: "IV piloting", standardising: "V standardising",
};

const CSS = `
[hidden] { display: none !important; }
section { border-top: 1px solid #d0d0d0; padding-top: 0.5rem; }
section:first-of-type { border-top: none; padding-top: 0; }
form.row { align-items: flex-end; }
.fields { align-items: flex-start; } /* labels stay level while one field shows its suggestions */
form .field { display: flex; flex-direction: column; gap: 0.2rem; min-width: 12rem; flex: 1 1 12rem; }
.combo { position: relative; }
.combo input { width: 100%; }
/* In the flow, not floating: the suggestions push the form down instead of covering its buttons. */
[role=listbox] { margin: 2px 0 0; padding: 0; list-style: none; background: #fff; border: 1px solid var(--mature-border);
                 border-radius: 4px; max-height: 16rem; overflow-y: auto; }
[role=option] { padding: 0.3rem 0.5rem; cursor: pointer; }
[role=option][aria-selected=true], [role=option]:hover { background: var(--mature-accent); color: #fff; }
[role=option][aria-selected=true] .muted, [role=option]:hover .muted { color: #fff; }
ol.results, ul.topics, ul.plain { padding-left: 0; list-style: none; margin: 0; }
ol.results > li, ul.topics > li { border: 1px solid #d0d0d0; border-radius: 6px; padding: 0.5rem 0.75rem; margin: 0.5rem 0; }
.link { background: none; border: none; padding: 0; color: var(--mature-accent); text-decoration: underline;
        cursor: pointer; font-weight: 600; }
.link:hover { background: none; text-decoration-thickness: 2px; }
.why { margin: 0.25rem 0 0; }
.hidden-tag { color: var(--mature-muted); font-style: italic; }
.candidate { color: #6b3e00; background: #fff4e0; }
`;

let comboCount = 0;

/**
 * An accessible combobox (ARIA 1.2 list autocomplete): type, arrow keys through the suggestions, Enter or a
 * click chooses one; Escape closes. Free text stays allowed: `chosen` is null until a suggestion is picked.
 */
function combobox({ label, placeholder = "", fetchOptions, onError, onChoose = () => {} }) {
  const id = `mature-combo-${++comboCount}`;
  const input = el("input", { id, type: "text", role: "combobox", "aria-autocomplete": "list",
                              "aria-expanded": "false", "aria-controls": `${id}-list`, autocomplete: "off",
                              placeholder, spellcheck: "false" });
  const list = el("ul", { id: `${id}-list`, role: "listbox", "aria-label": "Suggestions", hidden: true });
  const status = el("span", { class: "visually-hidden", "aria-live": "polite" });
  const state = { chosen: null, items: [], active: -1, sequence: 0, timer: null };

  function close() {
    clearTimeout(state.timer);
    state.sequence += 1; // an answer still on its way must not reopen the list
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    state.active = -1;
  }
  function highlight(index) {
    state.active = index;
    [...list.children].forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  }
  function choose(item) {
    state.chosen = item;
    input.value = item.value;
    close();
    onChoose(item);
  }
  function render(items) {
    state.items = items;
    list.replaceChildren(...items.map((item, i) => el("li", {
      id: `${id}-option-${i}`, role: "option", "aria-selected": "false",
      onmousedown: (event) => { event.preventDefault(); choose(item); },
    }, item.text, item.hint ? el("span", { class: "muted" }, ` — ${item.hint}`) : null)));
    status.textContent = items.length ? `${items.length} suggestions; use the arrow keys to choose.` : "No suggestions.";
    if (items.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    } else close();
  }
  async function lookUp() {
    const query = input.value.trim();
    const sequence = ++state.sequence;
    if (!query) return render([]);
    try {
      const items = await fetchOptions(query);
      if (sequence === state.sequence) render(items);
    } catch (error) {
      if (sequence === state.sequence) { close(); onError(error); }
    }
  }
  input.addEventListener("input", () => {
    state.chosen = null;
    clearTimeout(state.timer);
    state.timer = setTimeout(lookUp, 150);
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && state.items.length > 0;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) return void lookUp();
      highlight((state.active + 1) % state.items.length);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(state.active <= 0 ? state.items.length - 1 : state.active - 1);
    } else if (event.key === "Enter" && open && state.active >= 0) {
      event.preventDefault();
      choose(state.items[state.active]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));

  const field = el("div", { class: "field" }, el("label", { for: id }, label),
                   el("div", { class: "combo" }, input, list), status);
  return {
    field, input, close,
    get chosen() { return state.chosen; },
    set(item) { state.chosen = item; input.value = item ? item.value : ""; close(); },
  };
}

function personName(person) {
  return person.kind === "external" && person.organisation ? `${person.name} (${person.organisation})` : person.name;
}

function levelsText(levels) {
  if (!levels.length) return "";
  return levels.length === 1 ? ` (level ${levels[0]})` : ` (levels ${levels.join(", ")})`;
}

function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

class MaturePeople extends HTMLElement {
  static get observedAttributes() { return ["token", "api-base", "person-id"]; }

  connectedCallback() {
    if (!this.root) this.build();
    this.start();
  }

  attributeChangedCallback(name, before, after) {
    if (!this.root || before === after) return;
    if (name === "person-id") { if (after) this.openProfile(Number(after), { focus: false }); }
    else this.start();
  }

  /** A fresh client each time, so a changed token attribute (or a new sign-in) is used at once. */
  get api() { return apiFor(this); }

  build() {
    this.root = shadowWith(this, CSS);
    this.findProblem = el("div", { hidden: true });
    this.tagProblem = el("div", { hidden: true });
    this.profileProblem = el("div", { hidden: true });
    this.topProblem = el("div", { hidden: true });

    // Who knows about X
    this.question = combobox({
      label: "Topic or words", placeholder: "e.g. apprenticeships",
      fetchOptions: (q) => this.topicSuggestions(q), onError: (e) => showProblem(this.findProblem, e),
    });
    this.kind = el("select", { id: "find-kind" },
                   el("option", { value: "" }, "Everyone"), el("option", { value: "internal" }, "Colleagues"),
                   el("option", { value: "external" }, "External contacts"));
    this.results = el("div", { class: "stack", "aria-live": "polite" });
    const findForm = el("form", { class: "row", "aria-label": "Who knows about", onsubmit: (e) => {
      e.preventDefault();
      this.question.close();
      this.findExperts();
    } }, this.question.field,
    el("div", { class: "field" }, el("label", { for: "find-kind" }, "Who"), this.kind),
    el("button", { type: "submit", class: "primary" }, "Find"));

    // Tag a colleague
    this.person = combobox({
      label: "Colleague or contact", placeholder: "Start typing a name",
      fetchOptions: (q) => this.peopleSuggestions(q), onError: (e) => showProblem(this.tagProblem, e),
    });
    this.topic = combobox({
      label: "Topic", placeholder: "Start typing a topic",
      fetchOptions: (q) => this.topicSuggestions(q), onError: (e) => showProblem(this.tagProblem, e),
    });
    this.level = el("select", { id: "tag-level" }, el("option", { value: "" }, "No level"),
                    ...Object.entries(LEVELS).map(([value, text]) => el("option", { value }, text)));
    this.note = el("textarea", { id: "tag-note", rows: "2", maxlength: "2000",
                                 placeholder: "What you have seen them do (optional)" });
    this.tagNotice = el("p", { class: "notice", role: "status", hidden: true });
    const tagForm = el("form", { class: "stack", "aria-label": "Tag a colleague", onsubmit: (e) => {
      e.preventDefault();
      this.person.close();
      this.topic.close();
      this.tagPerson();
    } },
    el("div", { class: "row fields" }, this.person.field, this.topic.field,
       el("div", { class: "field" }, el("label", { for: "tag-level" }, "Level"), this.level)),
    el("div", { class: "field" }, el("label", { for: "tag-note" }, "Evidence"), this.note),
    el("p", { class: "muted" }, "Choose a topic from the suggestions so that colleagues find it; new words are ",
       "proposed as a candidate topic."),
    el("button", { type: "submit", class: "primary" }, "Tag"));

    // Profiles
    this.profile = el("div", { class: "stack", "aria-live": "polite" });
    this.root.append(el("div", { class: "card stack" }, this.topProblem,
      el("section", { "aria-labelledby": "find-heading" }, el("h3", { id: "find-heading" }, "Who knows about…"),
         findForm, this.findProblem, this.results),
      el("section", { "aria-labelledby": "tag-heading" }, el("h3", { id: "tag-heading" }, "Tag a colleague"),
         tagForm, this.tagProblem, this.tagNotice),
      el("section", { "aria-labelledby": "profile-heading" },
         el("div", { class: "row" }, el("h3", { id: "profile-heading" }, "Profile"),
            el("button", { type: "button", onclick: () => this.openProfile("me") }, "My profile")),
         this.profileProblem, this.profile)));
  }

  async start() {
    showProblem(this.topProblem, null);
    try {
      this.me = await this.api.get("/api/people/me");
      const wanted = this.getAttribute("person-id");
      if (wanted) await this.openProfile(Number(wanted), { focus: false });
    } catch (error) {
      showProblem(this.topProblem, error);
    }
  }

  async topicSuggestions(query) {
    const found = await this.api.get("/api/topics/suggest", { q: query, limit: 8 });
    return found.map((s) => ({
      id: s.topic.id, value: s.topic.label, text: s.topic.label,
      hint: [s.match === "label" ? null : `matched “${s.matched}”`, s.topic.status === "candidate" ? "candidate" : null,
             plural(s.usage, "tag")].filter(Boolean).join(", "),
    }));
  }

  async peopleSuggestions(query) {
    const found = await this.api.get("/api/people", { q: query, limit: 8 });
    return found.items.map((p) => ({
      id: p.id, value: p.name, text: p.name,
      hint: p.kind === "external" ? `contact, ${p.organisation || "no organisation"}` : p.username,
    }));
  }

  // ------------------------------------------------------------ who knows about X

  async findExperts(next = null) {
    const q = this.question.input.value.trim();
    showProblem(this.findProblem, null);
    if (!q && !next) {
      showProblem(this.findProblem, new Error("Type a topic or a few words to ask about."));
      this.question.input.focus();
      return;
    }
    try {
      const answer = next ? await this.api.get(next) : await this.api.get("/api/experts", { q, kind: this.kind.value });
      this.renderExperts(answer, Boolean(next));
    } catch (error) {
      showProblem(this.findProblem, error);
    }
  }

  renderExperts(answer, append) {
    const understood = answer.topics.length
      ? `Understood as ${answer.topics.map((t) => t.label).join(", ")}` +
        (answer.narrower_topics ? `, with ${plural(answer.narrower_topics, "narrower topic")}` : "") + "."
      : "No topic of the scheme matches these words.";
    const outcome = {
      answered: `${plural(answer.total, "person", "people")} found.`,
      weak: `Only weak answers: nobody has a colleague's recent tag on this (${plural(answer.total, "person", "people")} ` +
            "found). The question is recorded for the skills-gap reports.",
      unanswered: "Nobody is known for this yet. The question is recorded for the skills-gap reports; if you know " +
                  "someone, tag them below.",
    }[answer.outcome];
    let list = append ? this.results.querySelector("ol.results") : null;
    if (!list) {
      list = el("ol", { class: "results", "aria-label": `Who knows about ${answer.query}` });
      this.results.replaceChildren(el("p", { class: "summary" }, `${understood} ${outcome}`), list);
    }
    list.append(...answer.items.map((item) => el("li", { class: "expert" },
      el("div", { class: "row" }, el("span", { class: "muted" }, `${item.rank}.`),
         el("button", { type: "button", class: "link", onclick: () => this.openProfile(item.person.id) },
            personName(item.person)),
         item.person.kind === "external" ? el("span", { class: "badge" }, "external contact") : null,
         el("span", { class: "muted" }, `score ${item.score.toFixed(2)}`)),
      el("p", { class: "why" }, item.why),
      item.person.contact ? el("p", { class: "muted" }, `Contact: ${item.person.contact}`) : null)));
    this.results.querySelector("button.more")?.remove();
    if (answer.next) {
      this.results.append(el("button", { type: "button", class: "more", onclick: () => this.findExperts(answer.next) },
                             "More people"));
    }
  }

  // ------------------------------------------------------------ tagging

  async tagPerson() {
    showProblem(this.tagProblem, null);
    this.tagNotice.hidden = true;
    const person = this.person.chosen;
    const topicText = this.topic.input.value.trim();
    if (!person) {
      showProblem(this.tagProblem, new Error("Choose the person from the suggestions under “Colleague or contact”."));
      this.person.input.focus();
      return;
    }
    if (!topicText) {
      showProblem(this.tagProblem, new Error("Give a topic: start typing and choose a suggestion."));
      this.topic.input.focus();
      return;
    }
    const chosen = this.topic.chosen;
    const body = chosen && chosen.value === topicText ? { topic_id: chosen.id } : { topic: topicText };
    if (this.level.value) body.level = Number(this.level.value);
    if (this.note.value.trim()) body.note = this.note.value.trim();
    try {
      const { data: tag, status } = await this.api.request("POST", `/api/people/${person.id}/tags`, { body });
      const level = tag.level ? ` (level ${tag.level})` : "";
      const verb = status === 201 ? "You tagged" : "You updated your tag of";
      const candidate = tag.topic.status === "candidate" ? " The topic is new: it is proposed as a candidate." : "";
      this.tagNotice.textContent = `${verb} ${person.value} with ${tag.topic.label}${level}.${candidate}`;
      this.tagNotice.hidden = false;
      this.topic.set(null);
      this.level.value = "";
      this.note.value = "";
      if (this.shownPersonId === person.id) await this.openProfile(person.id);
    } catch (error) {
      showProblem(this.tagProblem, error);
    }
  }

  /** Start a tag of the person on show: fill in the form and put the cursor on the topic. */
  tagThisPerson(person) {
    this.person.set({ id: person.id, value: person.name });
    this.topic.input.focus();
  }

  // ------------------------------------------------------------ profiles

  async openProfile(which, { focus = true } = {}) {
    showProblem(this.profileProblem, null);
    try {
      const path = which === "me" ? "/api/people/me" : `/api/people/${which}`;
      const profile = await this.api.get(path);
      if (which === "me") this.me = profile;
      const mine = this.me && this.me.person.id === profile.person.id;
      const tags = mine ? await this.api.get(`/api/people/${profile.person.id}/tags`) : null;
      this.shownPersonId = profile.person.id;
      this.renderProfile(profile, tags, focus);
    } catch (error) {
      this.profile.replaceChildren();
      showProblem(this.profileProblem, error);
    }
  }

  renderProfile(profile, tags, focus) {
    const person = profile.person;
    const heading = el("h4", { tabindex: "-1", class: "profile-name" }, person.name);
    const about = person.kind === "external"
      ? `External contact${person.organisation ? ` at ${person.organisation}` : ""}`
      : `Colleague (${person.username})`;
    const parts = [heading, el("p", { class: "muted" }, about),
                   person.contact ? el("p", {}, `Contact: ${person.contact}`) : null];
    if (tags) parts.push(this.privacyControls(person));
    else parts.push(el("button", { type: "button", onclick: () => this.tagThisPerson(person) }, `Tag ${person.name}`));
    parts.push(profile.topics.length
      ? el("ul", { class: "topics", "aria-label": `${person.name}'s topics` }, ...profile.topics.map((t) => this.topicItem(t)))
      : el("p", {}, tags ? "No colleague has tagged you yet (tags you hid are not shown here)."
                         : "Nobody has tagged them with a topic yet."));
    if (tags) parts.push(this.tagsAboutMe(person, tags));
    this.profile.replaceChildren(...parts.filter(Boolean));
    if (focus) heading.focus();
  }

  topicItem(entry) {
    const counted = entry.colleague_count
      ? `Tagged by ${plural(entry.colleague_count, "colleague")}${levelsText(entry.colleague_levels)}`
      : "Not tagged by colleagues";
    const self = entry.self_tagged ? `; self-assessed${entry.self_level ? ` level ${entry.self_level}` : ""}` : "";
    return el("li", { class: "topic" },
      el("strong", {}, entry.topic.label), " ",
      entry.topic.status === "candidate" ? el("span", { class: "badge candidate" }, "candidate topic") : null,
      el("p", { class: "why" }, `${counted}${self}.`),
      entry.evidence.length ? el("ul", { class: "plain evidence", "aria-label": "Evidence" },
        ...entry.evidence.map((e) => el("li", {},
          el("span", { class: "muted" }, `${e.tagger.display_name}${e.by_self ? " (self)" : ""}: `),
          e.note || (e.page ? "" : "no note"),
          e.page ? [" ", this.pageButton(e.page.id, `See “${e.page.title}”`)] : null))) : null,
      entry.pages.length ? el("ul", { class: "plain pages", "aria-label": "Pages they wrote on it" },
        ...entry.pages.map((p) => el("li", {}, "Wrote ", this.pageButton(p.id, p.title),
          el("span", { class: "muted" }, p.maturity_score === null ? " (not assessed yet)"
            : ` (maturity ${Math.round(p.maturity_score)}${p.phase ? `, ${PHASES[p.phase] || p.phase}` : ""})`)))) : null);
  }

  pageButton(pageId, text) {
    return el("button", { type: "button", class: "link", onclick: () => emit(this, "mature-open-page", { pageId }) }, text);
  }

  privacyControls(person) {
    const explain = person.hidden
      ? "Your profile is hidden: it is not in the directory or in “who knows about”, and colleagues cannot tag you."
      : "Your profile is visible to colleagues.";
    return el("div", { class: "row" }, el("p", { class: "muted" }, explain),
      el("button", { type: "button", class: "privacy", onclick: () => this.setProfileHidden(person, !person.hidden) },
         person.hidden ? "Show my profile" : "Hide my profile"));
  }

  tagsAboutMe(person, tags) {
    const items = tags.colleague_tags.map((tag) => {
      const what = `${tag.tagger.display_name}: ${tag.topic.label}${tag.level ? ` (level ${tag.level})` : ""}`;
      const action = tag.hidden ? "Show again" : "Hide";
      return el("li", { class: tag.hidden ? "hidden-tag" : "" }, what,
        tag.note ? el("span", { class: "muted" }, ` — ${tag.note}`) : null,
        tag.hidden ? " (hidden: only you see it)" : null, " ",
        el("button", { type: "button", "aria-label": `${action}: ${tag.tagger.display_name}'s tag ${tag.topic.label}`,
                       "data-tag-id": String(tag.id),
                       onclick: () => this.setTagHidden(person, tag, !tag.hidden) }, action));
    });
    return el("div", { class: "stack" }, el("h4", {}, "Tags colleagues gave you"),
      el("p", { class: "muted" }, "Hide a tag you disagree with: then only you see it, and it counts nowhere."),
      items.length ? el("ul", { class: "plain tags-about-me" }, ...items) : el("p", {}, "None yet."));
  }

  async setTagHidden(person, tag, hidden) {
    showProblem(this.profileProblem, null);
    try {
      await this.api.post(`/api/people/${person.id}/tags/${tag.id}/${hidden ? "hide" : "unhide"}`);
      await this.openProfile(person.id, { focus: false });
      this.profile.querySelector(`button[data-tag-id="${tag.id}"]`)?.focus();
    } catch (error) {
      showProblem(this.profileProblem, error);
    }
  }

  async setProfileHidden(person, hidden) {
    showProblem(this.profileProblem, null);
    try {
      await this.api.patch(`/api/people/${person.id}`, { hidden });
      await this.openProfile("me", { focus: false });
      this.profile.querySelector("button.privacy")?.focus();
    } catch (error) {
      showProblem(this.profileProblem, error);
    }
  }
}

if (!customElements.get("mature-people")) customElements.define("mature-people", MaturePeople);
export { MaturePeople };
