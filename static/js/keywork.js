// Keywork's small behaviours, loaded on every page. No inline scripts anywhere.
(function () {
  "use strict";
  // Ask before anything that cannot be undone: <form data-confirm="message">.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // A form that came back refused: its "There is a problem" box takes the focus, so a
  // screen reader reads it first and Tab goes on to its links (includes/error_summary).
  // The page stays where it loaded, with the page's heading above the box in view.
  // The client picker (clients/widgets.py): Enter in its search box finds, it does not
  // send the form; a client ticked among the matches joins the chosen, so the next search
  // does not take them away.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-picker-find]")) {
      event.preventDefault();
    }
  });
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches("[data-picker-found] input[type=checkbox]") || !box.checked) {
      return;
    }
    var picker = box.closest("[data-picker]");
    var chosen = picker.querySelector("[data-picker-chosen]");
    var item = box.closest("li");
    box.id = picker.id + "_" + box.value;
    item.querySelector("label").setAttribute("for", box.id);
    if (!chosen.querySelector("input[value='" + box.value + "']")) {
      chosen.appendChild(item);
    } else {
      item.remove();
    }
    box.focus();
  });
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus({ preventScroll: true });
  }
})();
