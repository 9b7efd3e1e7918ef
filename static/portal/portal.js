// Confirm dialogs for buttons with data-confirm; CSRF header for htmx requests.
document.addEventListener("click", function (e) {
  const el = e.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) { e.preventDefault(); }
});
document.addEventListener("htmx:configRequest", function (e) {
  const token = document.querySelector("meta[name=csrf-token]");
  if (token) { e.detail.headers["X-CSRFToken"] = token.content; }
});

// Organization boxes (portal.forms.OrganizationInput): once two characters are typed, the portal's
// matches fill the box's list; the name of the organization whose code is in the box shows below it.
document.addEventListener("input", function (e) {
  const box = e.target.closest("input[data-suggest]");
  if (!box) { return; }
  const list = document.getElementById(box.getAttribute("list"));
  const caption = document.getElementById(box.dataset.caption);
  const showName = function () {
    const chosen = Array.from(list.options).find(function (o) { return o.value === box.value.trim().toUpperCase(); });
    if (caption) { caption.textContent = chosen ? chosen.textContent : ""; }
  };
  showName();
  clearTimeout(box.suggestTimer);
  const typed = box.value.trim();
  if (typed.length < 2) { return; }
  box.suggestTimer = setTimeout(function () {
    const url = new URL(box.dataset.suggest, window.location.href);
    url.searchParams.set("q", typed);
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null && box.value.trim() === typed) { list.innerHTML = html; showName(); }
      });
  }, 250);
});
