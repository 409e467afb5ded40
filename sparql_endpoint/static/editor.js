// Start YASGUI on our own endpoint and prefixes, opened on the query of the page (the example
// that was clicked, or the query that was run), in one tab, and nothing from other hosts.
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  var form = document.getElementById("form-section");
  var textarea = document.getElementById("query");
  if (!root || !window.Yasgui || !textarea) {
    return; // No editor build: the plain form still works.
  }
  var Yasgui = window.Yasgui;
  // This page's own origin: the endpoint is a path on the host the page came from.
  var endpoint = new URL(root.dataset.endpoint, window.location.href).href;
  // Only local completions: no LOV class/property look-ups.
  var completers = Yasgui.Yasqe.defaults.autocompleters;
  completers.splice(0, completers.length, "prefixes", "variables");
  var yasgui;

  // Where a syntax error points: pyparsing ends its message with "(line:L, col:C)",
  // counting columns with tabs expanded to eight.
  function place(query, message) {
    var found = /\(line:(\d+), col:(\d+)\)\s*$/.exec(message || "");
    var lines = query.split("\n");
    if (!found || found[1] < 1 || found[1] > lines.length) {
      return null;
    }
    var text = "";
    Array.from(lines[found[1] - 1].replace(/\r$/, "")).forEach(function (c) {
      text += c === "\t" ? " ".repeat(8 - (text.length % 8)) : c;
    });
    var at = Math.min(Math.max(Number(found[2]), 1), text.length + 1) - 1;
    var start = Math.max(at - 60, 0);
    var end = at + 61;
    return { line: found[1], column: found[2],
             before: (start ? "\u2026" : "") + text.slice(start, at), at: text.charAt(at) || " ",
             after: text.slice(at + 1, end) + (end < text.length ? "\u2026" : "") };
  }

  function element(name, text, attributes) {
    var node = document.createElement(name);
    if (text !== undefined) {
      node.textContent = text;
    }
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    return node;
  }

  // The endpoint's errors in the page's language, as the form without script shows them:
  // what went wrong, where the parser stopped, then the parser's own (English) message.
  function renderError(error) {
    var problem;
    try {
      problem = JSON.parse(error.text);
    } catch (ignored) {
      return undefined; // Not the endpoint's problem document: YASGUI's own message.
    }
    var status = String(problem.status || error.status || "");
    var words = JSON.parse(root.dataset.errors);
    var box = element("section", undefined, { "class": "error", role: "alert" });
    box.appendChild(element("h3", root.dataset.errorTitle));
    box.appendChild(element("p", words[status] || words.other));
    var where = place(yasgui.getTab().getYasqe().getValue(), problem.message);
    if (where) {
      box.appendChild(element("p", root.dataset.errorAt.replace("{line}", where.line)
        .replace("{column}", where.column)));
      var code = element("code");
      code.appendChild(document.createTextNode(where.before));
      code.appendChild(element("mark", where.at));
      code.appendChild(document.createTextNode(where.after));
      box.appendChild(element("pre", undefined, { "class": "wrap error-place" })).appendChild(code);
      box.appendChild(element("p", root.dataset.parserMessage));
    }
    box.appendChild(element("pre", problem.message || error.text, { "class": "wrap", lang: "en" }));
    return box;
  }
  Yasgui.Yasr.defaults.errorRenderers = [renderError];

  // Give YASGUI's own controls the names and roles assistive technology needs.
  function label(yasgui) {
    root.querySelectorAll("input:not([aria-label]), select:not([aria-label])")
      .forEach(function (field) {
        var name = field.getAttribute("placeholder") || field.getAttribute("title") ||
          field.getAttribute("name") || root.dataset.title;
        field.setAttribute("aria-label", name);
      });
    root.querySelectorAll("textarea:not([aria-label])").forEach(function (field) {
      field.setAttribute("aria-label", root.dataset.title);
    });
    root.querySelectorAll("[role=tab]").forEach(function (tab) {
      var list = tab.closest("[role=tablist]");
      if (!list) {
        tab.removeAttribute("role");
        tab.removeAttribute("aria-selected");
        tab.removeAttribute("aria-controls");
      }
    });
    root.querySelectorAll("[role=tabpanel]").forEach(function (panel) {
      if (!panel.getAttribute("aria-labelledby") && !panel.getAttribute("aria-label")) {
        panel.setAttribute("aria-label", root.dataset.title);
      }
    });
    // The editor's scrolling area must be reachable with the keyboard.
    root.querySelectorAll(".CodeMirror-scroll:not([tabindex='0'])").forEach(function (area) {
      area.setAttribute("tabindex", "0");
      area.setAttribute("aria-label", root.dataset.title);
    });
    root.querySelectorAll("[aria-controls]").forEach(function (control) {
      if (!document.getElementById(control.getAttribute("aria-controls"))) {
        control.removeAttribute("aria-controls");
      }
    });
    return yasgui;
  }

  yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    persistenceId: null,
    populateFromUrl: false,
    autoAddOnInit: false,
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: endpoint }]; },
      keys: []
    },
    yasqe: { prefixCcApi: new URL(root.dataset.prefixes, window.location.href).href }
  });
  var tab = Yasgui.Tab.getDefaults(yasgui);
  tab.name = root.dataset.title;
  tab.yasqe = { value: textarea.value };
  tab.requestConfig = { endpoint: endpoint, method: "POST" };
  // Results as plain values (no datatype tags); the download keeps the exact terms.
  tab.yasr.settings.pluginsConfig = { table: { compact: true } };
  yasgui.addTab(true, tab);
  label(yasgui);
  new MutationObserver(function () { label(yasgui); })
    .observe(root, { childList: true, subtree: true });
  window.achatEditor = yasgui;
  if (form) {
    form.hidden = true;
  }
})();
