// Copy buttons: <button data-copy="id-of-a-field"> copies that field's value and says so in
// the page's [data-copy-status] (a live region, for screen readers). No inline scripts.
(function () {
  "use strict";
  function say(button, text) {
    var scope = button.closest("section, .card, form, body") || document.body;
    var status = scope.querySelector("[data-copy-status]");
    if (status) { status.textContent = text; }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    field.select();
    var done = function () { say(button, button.getAttribute("data-copied") || "Copied."); };
    var failed = function () { say(button, button.getAttribute("data-copy-failed") || "Select the text and copy it."); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, failed);
    } else {
      try { document.execCommand("copy") ? done() : failed(); } catch (e) { failed(); }
    }
  });
}());
