// Sessions: warn before the idle logout and offer to stay signed in, and keep whatever a
// person has typed into a form across the logout and their next login. No inline scripts.
//
// Typed text is saved to sessionStorage (this tab only, gone when it closes) as it is
// typed, keyed by the page's address. A submit marks the page's draft "sent"; the next
// logged-in page drops sent drafts (the save went through, or the server re-showed the
// form with the values). If the submit instead lands on the login page (the session had
// ended), the draft is kept, and once the person is back on the form it is put back.
(function () {
  "use strict";
  var DRAFTS = "keywork-drafts";
  var ACTIVITY = "keywork-last-activity"; // localStorage, shared by the person's tabs
  var body = document.body;
  var signedIn = body.hasAttribute("data-idle-timeout");
  var TEXT_TYPES = ["text", "search", "email", "tel", "url", "number", "date", "time",
                    "datetime-local", "month", "week"];

  function readDrafts() {
    try { return JSON.parse(window.sessionStorage.getItem(DRAFTS)) || {}; } catch (e) { return {}; }
  }
  function writeDrafts(drafts) {
    try { window.sessionStorage.setItem(DRAFTS, JSON.stringify(drafts)); } catch (e) { /* full or off */ }
  }
  function pageKey() { return window.location.pathname + window.location.search; }

  function draftable(form) {
    return (form.method || "").toLowerCase() === "post" && !form.hasAttribute("data-no-draft") &&
      !form.querySelector("input[type=password]");
  }
  function fields(form) {
    var found = [];
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.disabled) { return; }
      var tag = el.tagName.toLowerCase();
      var kind = (el.type || "").toLowerCase();
      if (tag === "textarea" || tag === "select" ||
          (tag === "input" && (TEXT_TYPES.indexOf(kind) >= 0 || kind === "checkbox" || kind === "radio"))) {
        seen[el.name] = (seen[el.name] || 0) + 1;
        found.push({ key: el.name + "#" + seen[el.name], el: el });
      }
    });
    return found;
  }
  function valueOf(el) {
    if (el.type === "checkbox" || el.type === "radio") { return el.checked; }
    if (el.tagName.toLowerCase() === "select" && el.multiple) {
      return Array.prototype.filter.call(el.options, function (o) { return o.selected; })
        .map(function (o) { return o.value; });
    }
    return el.value;
  }
  function setValue(el, value) {
    if (el.type === "checkbox" || el.type === "radio") { el.checked = !!value; return; }
    if (Array.isArray(value)) {
      Array.prototype.forEach.call(el.options, function (o) { o.selected = value.indexOf(o.value) >= 0; });
      return;
    }
    el.value = value;
  }
  function formIndex(form) { return Array.prototype.indexOf.call(document.forms, form); }

  function saveForm(form, sent) {
    if (!draftable(form)) { return; }
    var drafts = readDrafts();
    var page = drafts[pageKey()] || { forms: {} };
    var values = {};
    fields(form).forEach(function (f) { values[f.key] = valueOf(f.el); });
    page.forms[formIndex(form)] = values;
    page.sent = !!sent;
    drafts[pageKey()] = page;
    writeDrafts(drafts);
  }

  document.addEventListener("input", function (event) {
    if (event.target.form) { saveForm(event.target.form, false); noteTyping(); }
  });
  document.addEventListener("change", function (event) {
    if (event.target.form) { saveForm(event.target.form, false); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (/\/accounts\/logout\/$/.test(form.getAttribute("action") || "")) {
      window.sessionStorage.removeItem(DRAFTS); // logging out on purpose: nothing to keep
      return;
    }
    saveForm(form, true);
  }, true);

  function restoreDrafts() {
    var drafts = readDrafts();
    if (!signedIn) {
      // A login page: whatever was being sent did not arrive. Keep it all for later.
      Object.keys(drafts).forEach(function (key) { drafts[key].sent = false; });
      writeDrafts(drafts);
      return;
    }
    Object.keys(drafts).forEach(function (key) {
      if (drafts[key].sent) { delete drafts[key]; }
    });
    var page = drafts[pageKey()];
    writeDrafts(drafts);
    if (!page) { return; }
    var restored = [];
    Object.keys(page.forms).forEach(function (index) {
      var form = document.forms[index];
      if (!form || !draftable(form)) { return; }
      var changed = false;
      fields(form).forEach(function (f) {
        if (f.key in page.forms[index] &&
            JSON.stringify(valueOf(f.el)) !== JSON.stringify(page.forms[index][f.key])) {
          setValue(f.el, page.forms[index][f.key]);
          changed = true;
        }
      });
      if (changed) { restored.push(form); }
    });
    restored.forEach(showRestoredNotice);
  }

  function showRestoredNotice(form) {
    var template = document.getElementById("draft-restored");
    if (!template) { return; }
    var notice = template.content.firstElementChild.cloneNode(true);
    notice.querySelector("[data-draft-discard]").addEventListener("click", function () {
      var drafts = readDrafts();
      delete drafts[pageKey()];
      writeDrafts(drafts);
      window.location.assign(window.location.href);
    });
    form.parentNode.insertBefore(notice, form);
  }

  // --- the idle warning -------------------------------------------------------------
  var timeout = parseInt(body.getAttribute("data-idle-timeout"), 10) * 1000;
  var warning = parseInt(body.getAttribute("data-idle-warning"), 10) * 1000;
  var keepaliveUrl = body.getAttribute("data-keepalive-url");
  var modalElement = document.getElementById("idle-warning");
  var modal = null;

  function lastActivity() {
    var stored = parseInt(window.localStorage.getItem(ACTIVITY) || "0", 10);
    return Math.max(stored, loadedAt);
  }
  function noteActivity() { window.localStorage.setItem(ACTIVITY, String(Date.now())); }
  var loadedAt = Date.now();

  function csrfToken() {
    try { return JSON.parse(body.getAttribute("data-hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function endOfSession() {
    // The server ends the session too; reloading as a GET shows its login page, with
    // `next` set to bring the person back here.
    window.location.assign(window.location.href);
  }
  function stayIn() {
    return window.fetch(keepaliveUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      if (response.status === 204) { noteActivity(); hideWarning(); } else { endOfSession(); }
    });
  }
  var lastTypingPing = Date.now();
  function noteTyping() {
    // Typing is activity the server cannot see: tell it, at most once a minute.
    if (signedIn && Date.now() - lastTypingPing > 60000) {
      lastTypingPing = Date.now();
      stayIn();
    }
  }
  function hideWarning() { if (modal) { modal.hide(); } }
  function tick() {
    var idle = Date.now() - lastActivity();
    // A moment's grace, so that the server's clock has certainly run out too.
    if (idle >= timeout + 2000) { endOfSession(); return; }
    if (idle >= timeout - warning) {
      var seconds = Math.max(0, Math.ceil((timeout - idle) / 1000));
      var counter = modalElement.querySelector("[data-idle-countdown]");
      counter.textContent = seconds >= 60 ? Math.ceil(seconds / 60) + " min" : seconds + " s";
      if (!modalElement.classList.contains("show")) { modal.show(); }
    } else if (modalElement.classList.contains("show")) {
      hideWarning();
    }
  }

  restoreDrafts();
  if (signedIn && modalElement && window.bootstrap) {
    noteActivity();
    modal = new window.bootstrap.Modal(modalElement, { backdrop: "static", keyboard: false });
    modalElement.querySelector("[data-idle-stay]").addEventListener("click", stayIn);
    document.body.addEventListener("htmx:afterRequest", noteActivity);
    window.setInterval(tick, 1000);
  }
})();
