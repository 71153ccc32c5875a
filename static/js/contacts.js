// The contact form: show only the fields for the person chosen under "With whom?" (the
// agency for a professional; a name and relationship for a relative, friend or someone
// else); the others are hidden and not sent. Without scripts every field shows. Loaded by the contact section; the form is
// swapped by htmx after each contact, so it runs again after every swap.
(function () {
  "use strict";

  function update(form) {
    form.querySelectorAll("[data-shown-for]").forEach(function (part) {
      var rule = part.getAttribute("data-shown-for").split(":");
      var chosen = form.querySelector("input[name='" + rule[0] + "']:checked");
      var value = chosen ? chosen.value : "";
      var hidden = rule[1].split(" ").indexOf(value) === -1;
      part.hidden = hidden;
      // A field that does not apply to the person chosen is not sent.
      part.querySelectorAll("input, select, textarea").forEach(function (field) {
        field.disabled = hidden;
      });
    });
  }

  function updateAll() {
    document.querySelectorAll("form.contact-form").forEach(update);
  }

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.classList.contains("contact-form")) {
      update(form);
    }
  });
  document.addEventListener("htmx:afterSwap", updateAll);
  updateAll();
})();
