// Confirm dialogs for buttons with data-confirm; CSRF header for htmx requests.
document.addEventListener("click", function (e) {
  const el = e.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) { e.preventDefault(); }
});
document.addEventListener("htmx:configRequest", function (e) {
  const token = document.querySelector("meta[name=csrf-token]");
  if (token) { e.detail.headers["X-CSRFToken"] = token.content; }
});

// Suggestion boxes (portal.forms.SuggestInput: an organization's credit code, a service's number):
// once a few characters are typed, the portal's matches fill the box's list; the record whose key is
// in the box shows below it. A signed-out session's redirect to the sign-in page fills nothing.
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
  if (typed.length < Number(box.dataset.suggestFrom || 2)) { return; }
  box.suggestTimer = setTimeout(function () {
    const url = new URL(box.dataset.suggest, window.location.href);
    url.searchParams.set("q", typed);
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
      .then(function (html) {
        if (html !== null && box.value.trim() === typed) { list.innerHTML = html; showName(); }
      });
  }, 250);
});
