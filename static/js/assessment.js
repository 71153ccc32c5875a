// The assessment form's "n of 45 done", counted again whenever a rating is chosen. The
// server renders the count the form starts with, so without this script it is still
// right when the page loads (and after a refused save).
(function () {
  "use strict";
  var form = document.querySelector("form[data-assessment]");
  var done = form && form.querySelector("[data-assessment-done]");
  if (!done) {
    return;
  }
  function count() {
    var rows = form.querySelectorAll("fieldset.assessment-row");
    var rated = 0;
    rows.forEach(function (row) {
      if (row.querySelector("input[type=radio]:checked")) {
        rated += 1;
      }
    });
    done.textContent = String(rated);
  }
  form.addEventListener("change", function (event) {
    if (event.target.type === "radio") {
      count();
    }
  });
  count();
})();
