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
})();
