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

  var yasgui = new Yasgui(root, {
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
  yasgui.addTab(true, tab);
  label(yasgui);
  new MutationObserver(function () { label(yasgui); })
    .observe(root, { childList: true, subtree: true });
  window.achatEditor = yasgui;
  if (form) {
    form.hidden = true;
  }
})();
