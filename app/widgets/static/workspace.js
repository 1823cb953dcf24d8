// The demo workspace: sign in (token kept in localStorage, where every widget looks for it) and wire the
// widgets together through their events: a search result opens in the page viewer, "Edit" opens the editor.
import { MatureApi, TOKEN_KEY, ApiProblem } from "/widgets/mature-api.js";

const $ = (id) => document.getElementById(id);

function storedToken() {
  try { return localStorage.getItem(TOKEN_KEY); } catch { return null; }
}

function showWidgetLinks(shown) {
  for (const link of document.querySelectorAll(".widget-link")) link.hidden = !shown;
}

function showSignedOut(problem) {
  showWidgetLinks(false);
  $("login").hidden = false;
  $("signed-in").hidden = true;
  $("welcome").hidden = false;
  $("widgets").hidden = true;
  const box = $("login-problem");
  box.hidden = !problem;
  box.textContent = problem || "";
}

async function start() {
  const token = storedToken();
  if (!token) return showSignedOut();
  try {
    const me = await new MatureApi({ token }).get("/api/users/me");
    $("me-name").textContent = me.display_name || me.username;
    $("me-role").textContent = me.role;
    $("login").hidden = true;
    $("signed-in").hidden = false;
    $("welcome").hidden = true;
    $("widgets").hidden = false;
    showWidgetLinks(true);
    document.body.dataset.user = me.username;
  } catch (error) {
    localStorage.removeItem(TOKEN_KEY);
    showSignedOut(error instanceof ApiProblem && error.status === 401 ? "Your sign-in has expired; please sign in again." : error.message);
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const issued = await new MatureApi().post("/api/auth/token",
      { username: form.get("username"), password: form.get("password") });
    localStorage.setItem(TOKEN_KEY, issued.access_token);
    location.reload(); // every widget starts again with the new token
  } catch (error) {
    showSignedOut(error.message);
    $("login-password").focus();
  }
});

$("logout").addEventListener("click", async () => {
  const token = storedToken();
  try { if (token) await new MatureApi({ token }).post("/api/auth/logout"); } catch { /* already invalid */ }
  localStorage.removeItem(TOKEN_KEY);
  location.reload();
});

// Widget events (all bubble and cross shadow roots).
document.addEventListener("mature-open-page", (event) => {
  const viewer = document.querySelector("mature-page");
  viewer.setAttribute("page-id", String(event.detail.pageId));
  $("page-hint").hidden = true;
  $("page").scrollIntoView({ behavior: "smooth", block: "start" });
});
document.addEventListener("mature-edit-page", (event) => {
  const editor = document.querySelector("mature-editor");
  editor.setAttribute("page-id", String(event.detail.pageId));
  $("editor").scrollIntoView({ behavior: "smooth", block: "start" });
});
document.addEventListener("mature-page-saved", (event) => {
  const viewer = document.querySelector("mature-page");
  if (viewer.getAttribute("page-id") === String(event.detail.pageId)) viewer.reload();
  else viewer.setAttribute("page-id", String(event.detail.pageId));
  $("page-hint").hidden = true;
});

start();
