// The diary's small behaviours: show only the form fields that apply, and print a week.
// Loaded by the diary pages; no inline scripts anywhere.
(function () {
  "use strict";

  function checked(form, name) {
    var input = form.querySelector("input[name='" + name + "']:checked");
    return input ? input.value : "";
  }

  function show(element, visible) {
    if (element) {
      element.hidden = !visible;
    }
  }

  function wrapper(form, name) {
    var field = form.querySelector("[name='" + name + "']");
    return field ? field.closest("#div_id_" + name) : null;
  }

  // Booking: where and when back matter for an external appointment or lone working.
  function updateBooking(form) {
    var lone = form.querySelector("input[name='lone_working']");
    var out = checked(form, "place") === "external" || (lone && lone.checked);
    show(wrapper(form, "where"), checked(form, "place") === "external");
    show(wrapper(form, "back"), out);
  }

  // Logging: who cancelled only for a cancellation; times only for a session held.
  function updateLog(form) {
    var status = checked(form, "status");
    show(form.querySelector(".js-cancelled-by"), status === "cancelled");
    show(form.querySelector(".js-attended-times"), status === "attended" || status === "");
    // The plan's actions are worked on only at a session held.
    show(form.querySelector(".js-attended-only"), status === "attended" || status === "");
  }

  function update(form) {
    if (form.querySelector("[name='place']")) {
      updateBooking(form);
    }
    if (form.querySelector("[name='status']")) {
      updateLog(form);
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target.form) {
      update(event.target.form);
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  document.querySelectorAll("form").forEach(update);
})();
