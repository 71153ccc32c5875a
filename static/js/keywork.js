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
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus({ preventScroll: true });
  }
})();
