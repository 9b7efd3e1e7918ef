// Confirm dialogs for buttons with data-confirm; CSRF header for htmx requests.
document.addEventListener("click", function (e) {
  const el = e.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) { e.preventDefault(); }
});
document.addEventListener("htmx:configRequest", function (e) {
  const token = document.querySelector("meta[name=csrf-token]");
  if (token) { e.detail.headers["X-CSRFToken"] = token.content; }
});
