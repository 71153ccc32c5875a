// Support plans: adding action and milestone rows, and signing on screen.
// Everything here is an enhancement: without JavaScript the forms still work (blank rows
// are there to fill in, and a typed name stands in for a drawn signature).
(function () {
  "use strict";

  // Formsets: <div data-formset="prefix"> holds rows, a <template> of an empty row and an
  // "add" button. A new row takes the next index and gets the focus.
  function renumber(container) {
    container.querySelectorAll("[data-formset-row] [data-row-number]").forEach(function (span, i) {
      span.textContent = String(i + 1);
    });
  }

  document.querySelectorAll("[data-formset]").forEach(function (container) {
    var prefix = container.getAttribute("data-formset");
    var total = container.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var rows = container.querySelector("[data-formset-rows]");
    var template = container.querySelector("template[data-formset-template]");
    var add = container.querySelector("[data-formset-add]");
    if (!total || !rows || !template || !add) {
      return;
    }
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      renumber(container);
      var added = rows.lastElementChild;
      var first = added && added.querySelector("textarea, input:not([type=hidden]), select");
      if (first) {
        first.focus();
      }
    });
  });

  // Signing: each [data-signature] block has a canvas, a hidden input that receives the
  // drawing as a PNG data URL on submit, a "clear" button, and radio buttons choosing how
  // the person signs; only the parts for the chosen way are shown.
  function showFor(block) {
    var checked = block.querySelector("input[type=radio][name$='-method']:checked");
    var method = checked ? checked.value : "drawn";
    block.querySelectorAll("[data-signature-part]").forEach(function (part) {
      var wanted = part.getAttribute("data-signature-part").split(" ");
      part.hidden = wanted.indexOf(method) === -1;
    });
    return method;
  }

  function fitCanvas(canvas, pad) {
    // Draw at the screen's pixel density so the signature is sharp. Resizing a canvas
    // wipes it, so the strokes drawn so far are put back (a tablet turned on its side).
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var width = canvas.offsetWidth;
    var height = canvas.offsetHeight;
    if (!width || !height) {
      return;
    }
    var strokes = pad.toData();
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(strokes);
  }

  document.querySelectorAll("[data-signature]").forEach(function (block) {
    var canvas = block.querySelector("canvas[data-signature-pad]");
    var input = block.querySelector("input[data-signature-input]");
    var clear = block.querySelector("[data-signature-clear]");
    var form = block.closest("form");
    if (!canvas || !input || !form || typeof window.SignaturePad === "undefined") {
      return;
    }
    block.classList.add("signature-ready");
    var pad = new window.SignaturePad(canvas, { penColor: "#0b1f4d", minWidth: 1, maxWidth: 3 });
    var lastWidth = 0;
    function refit() {
      if (canvas.offsetWidth && canvas.offsetWidth !== lastWidth) {
        lastWidth = canvas.offsetWidth;
        fitCanvas(canvas, pad);
      }
    }
    window.addEventListener("resize", refit);
    if (clear) {
      clear.addEventListener("click", function () {
        pad.clear();
        input.value = "";
      });
    }
    block.querySelectorAll("input[type=radio][name$='-method']").forEach(function (radio) {
      radio.addEventListener("change", function () {
        showFor(block);
        refit();
      });
    });
    showFor(block);
    refit();
    form.addEventListener("submit", function () {
      input.value = showFor(block) === "drawn" && !pad.isEmpty() ? pad.toDataURL("image/png") : "";
    });
  });
})();
