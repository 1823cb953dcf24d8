/**
 * mature-api.js — the one client every MATURE-LMI widget imports (no build step, no framework).
 *
 * Contract (other widgets rely on it; keep it stable):
 *
 *   new MatureApi({ base = "", token = null })
 *     base   the service's origin, e.g. "https://lmi.example.org" ("" = the page's own origin)
 *     token  a bearer token (POST /api/auth/token, or a personal access token from POST /api/tokens)
 *
 *   await api.get(path, params?)            -> parsed JSON (or null for 204)
 *   await api.post(path, body?)             -> parsed JSON
 *   await api.put(path, body?, {ifMatch})   -> parsed JSON
 *   await api.patch(path, body?, {ifMatch}) -> parsed JSON
 *   await api.delete(path)                  -> null
 *   await api.text(path, params?)           -> raw text (CSV, SVG ...)
 *   await api.request(method, path, {params, body, ifMatch, accept}) -> { data, etag, status, response }
 *
 *   ETags: every call records the response's ETag in `api.lastEtag` (null when the answer had none);
 *   `request()` also returns it, which is safer when several calls run at once.
 *   `params` values that are arrays become repeated query parameters (?category=a&category=b);
 *   null, undefined and "" values are left out.
 *
 *   Errors: any non-2xx answer throws ApiProblem, whose `message` is the API's problem+json `detail`
 *   (or `title`): words a person can act on. `problem` is the parsed problem document, so a 409 edit
 *   conflict carries `problem.attempted_content`, `problem.current_revision` and `problem.conflicts`.
 *   A network failure throws ApiProblem with status 0.
 *
 *   apiFor(element)        a MatureApi from the element's `api-base` and `token` attributes, falling back
 *                          to localStorage["mature-token"] and the origin the widget scripts were loaded from
 *                          (same-origin on the service's own pages; the service when another site embeds them).
 *   showProblem(box, err)  renders an error in words (role="alert", textContent only).
 *   el(tag, attrs, ...children)  tiny DOM builder: attributes and text only, never innerHTML.
 *   baseStyles             CSS for a widget's shadow root (contrast, focus outlines, buttons, forms).
 *
 * Widgets never put API content into the page as HTML, except a page's `html` field, which the server
 * has sanitised (nh3) — see `setSanitisedHtml`, the only place that assigns innerHTML.
 */

export const TOKEN_KEY = "mature-token";

export class ApiProblem extends Error {
  /**
   * @param {object} problem the parsed problem+json document (or a stand-in built here)
   * @param {number} status  the HTTP status (0 when the service could not be reached)
   */
  constructor(problem, status) {
    const message = (problem && (problem.detail || problem.title)) || `The service answered ${status}.`;
    super(message);
    this.name = "ApiProblem";
    this.status = status;
    this.title = (problem && problem.title) || "Error";
    this.detail = (problem && problem.detail) || message;
    this.problem = problem || {};
  }
}

function queryString(params) {
  if (!params) return "";
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === null || v === undefined || v === "") continue;
      search.append(key, String(v));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

async function problemOf(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      /* fall through */
    }
  }
  const words = {
    401: "Please sign in again: the service did not accept your token.",
    403: "You are not allowed to do this.",
    404: "Not found, or you may not read it.",
    502: "The service is unreachable just now; try again in a moment.",
    503: "The service is busy or starting; try again in a moment.",
  };
  return { title: response.statusText || "Error", status: response.status,
           detail: words[response.status] || `The service answered ${response.status} ${response.statusText}.` };
}

export class MatureApi {
  constructor({ base = "", token = null } = {}) {
    this.base = String(base || "").replace(/\/+$/, "");
    this.token = token || null;
    /** The ETag of the last answer (null when it had none). */
    this.lastEtag = null;
  }

  url(path, params) {
    if (/^https?:\/\//.test(path)) return path + queryString(params);
    return this.base + (path.startsWith("/") ? path : `/${path}`) + queryString(params);
  }

  /** One call: returns {data, etag, status, response}; throws ApiProblem on a non-2xx answer. */
  async request(method, path, { params = null, body = undefined, ifMatch = null, accept = "application/json",
                                raw = false } = {}) {
    const headers = { Accept: accept };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (ifMatch) headers["If-Match"] = ifMatch;
    const init = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(this.url(path, params), init);
    } catch (error) {
      throw new ApiProblem({ title: "Service unreachable",
                             detail: "Could not reach the service. Check your connection and the widget's api-base." }, 0);
    }
    const etag = response.headers.get("etag");
    this.lastEtag = etag;
    if (!response.ok) throw new ApiProblem(await problemOf(response), response.status);
    let data = null;
    if (raw) data = await response.text();
    else if (response.status !== 204) {
      const text = await response.text();
      data = text ? JSON.parse(text) : null;
    }
    return { data, etag, status: response.status, response };
  }

  async get(path, params = null) {
    return (await this.request("GET", path, { params })).data;
  }

  async post(path, body = undefined) {
    return (await this.request("POST", path, { body })).data;
  }

  async put(path, body = undefined, { ifMatch = null } = {}) {
    return (await this.request("PUT", path, { body, ifMatch })).data;
  }

  async patch(path, body = undefined, { ifMatch = null } = {}) {
    return (await this.request("PATCH", path, { body, ifMatch })).data;
  }

  async delete(path) {
    return (await this.request("DELETE", path)).data;
  }

  /** Raw text, e.g. a CSV download or an SVG chart. */
  async text(path, params = null, accept = "*/*") {
    return (await this.request("GET", path, { params, accept, raw: true })).data;
  }
}

function storedToken() {
  try {
    return globalThis.localStorage ? localStorage.getItem(TOKEN_KEY) : null;
  } catch {
    return null; // storage blocked (third-party iframe, privacy mode)
  }
}

/** Where the widget scripts came from: the service, also when a page on another origin embeds them. */
export const SCRIPT_ORIGIN = new URL(import.meta.url).origin;

/** A client for a widget: its `api-base` and `token` attributes, else the stored token and the service the
 *  scripts were loaded from (the page's own origin when the service serves the page). */
export function apiFor(element) {
  const base = element.getAttribute("api-base") || SCRIPT_ORIGIN;
  const token = element.getAttribute("token") || storedToken();
  return new MatureApi({ base, token });
}

/** Show an error in words: the API's detail, plus what went wrong per field for a 422. */
export function showProblem(container, error) {
  if (!container) return;
  container.replaceChildren();
  if (!error) {
    container.hidden = true;
    return;
  }
  container.hidden = false;
  container.setAttribute("role", "alert");
  container.classList.add("problem");
  const title = error instanceof ApiProblem ? error.title : "Something went wrong";
  const detail = error instanceof ApiProblem ? error.detail : String(error && error.message ? error.message : error);
  container.append(el("strong", {}, title), " ", detail);
  const fieldErrors = error instanceof ApiProblem && Array.isArray(error.problem.errors) ? error.problem.errors : [];
  if (fieldErrors.length) {
    container.append(el("ul", {}, ...fieldErrors.map((e) => el("li", {}, `${e.field}: ${e.message}`))));
  }
}

/**
 * el("button", {type: "button", onclick: fn, class: "primary"}, "Save")
 * Attributes are set with setAttribute, `on*` functions become listeners, booleans toggle attributes,
 * `dataset`/`style` objects are copied; children are nodes or strings (always text nodes).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style" && typeof value === "object") Object.assign(node.style, value);
    else if (key === "value" && "value" in node) node.value = value;
    else if (key === "checked" || key === "selected") node[key] = Boolean(value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** The one innerHTML in the widgets: a page's `html`, which the server sanitised with nh3. */
export function setSanitisedHtml(container, serverSanitisedHtml) {
  container.innerHTML = serverSanitisedHtml;
  for (const link of container.querySelectorAll("a[href]")) link.setAttribute("rel", "noopener noreferrer nofollow");
}

/** A shadow root with the shared styles and the widget's own. */
export function shadowWith(element, css = "") {
  const root = element.shadowRoot || element.attachShadow({ mode: "open" });
  root.replaceChildren(el("style", {}, baseStyles + css));
  return root;
}

/** Tell the host page something happened (bubbles out of the shadow root). */
export function emit(element, name, detail) {
  element.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
}

export const baseStyles = `
:host { display: block; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
        color: #1b1b1b; --mature-accent: #0b5cad; --mature-muted: #4a4a4a; --mature-border: #8a8a8a;
        --mature-bg: #ffffff; --mature-soft: #f2f5f9; }
:host([hidden]), [hidden] { display: none !important; }
* { box-sizing: border-box; }
.card { background: var(--mature-bg); border: 1px solid var(--mature-border); border-radius: 6px; padding: 1rem; }
h2, h3, h4 { line-height: 1.25; margin: 0.6em 0 0.4em; }
a { color: var(--mature-accent); }
a:hover { text-decoration-thickness: 2px; }
button, input, select, textarea { font: inherit; color: inherit; }
button { background: var(--mature-bg); border: 1px solid var(--mature-border); border-radius: 4px;
         padding: 0.35rem 0.8rem; cursor: pointer; }
button.primary { background: var(--mature-accent); border-color: var(--mature-accent); color: #fff; }
button:hover { background: var(--mature-soft); }
button.primary:hover { background: #084a8c; }
button[disabled] { opacity: 0.6; cursor: not-allowed; }
input, select, textarea { border: 1px solid var(--mature-border); border-radius: 4px; padding: 0.35rem 0.5rem;
                          background: #fff; }
textarea { width: 100%; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 14px; }
label { font-weight: 600; }
:focus-visible { outline: 3px solid #0b0c0c; outline-offset: 2px; box-shadow: 0 0 0 6px #ffbf47; }
.muted { color: var(--mature-muted); font-size: 0.9em; }
.row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
.stack > * + * { margin-top: 0.75rem; }
.problem { background: #fdecea; border: 2px solid #b3261e; color: #5f1410; padding: 0.5rem 0.75rem; border-radius: 4px; }
.notice { background: #e8f3ea; border: 2px solid #1e6b34; color: #0f3d1c; padding: 0.5rem 0.75rem; border-radius: 4px; }
.badge { display: inline-block; border-radius: 999px; padding: 0.1rem 0.6rem; font-size: 0.85em; font-weight: 600;
         border: 1px solid currentColor; }
.phase-expressing_ideas { color: #6b3e00; background: #fff4e0; }
.phase-appropriating { color: #7a2e00; background: #ffeadb; }
.phase-distributing { color: #00536b; background: #e0f6fc; }
.phase-formalising { color: #1e4d8c; background: #e6efff; }
.phase-piloting { color: #4a2a7a; background: #f1e9ff; }
.phase-standardising { color: #1e6b34; background: #e8f3ea; }
mark { background: #fff0a8; color: inherit; padding: 0 0.1em; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #d0d0d0; vertical-align: top; }
`;
