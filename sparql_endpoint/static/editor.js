// Start YASGUI on our own endpoint, with our prefixes and examples, and nothing from other hosts.
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  if (!root || !window.Yasgui) {
    return; // No editor build: the plain form below still works.
  }
  var Yasgui = window.Yasgui;
  // This page's own origin: the endpoint is a path on the host the page came from.
  var endpoint = new URL(root.dataset.endpoint, window.location.href).href;
  // Only local completions: no LOV class/property look-ups.
  var completers = Yasgui.Yasqe.defaults.autocompleters;
  completers.splice(0, completers.length, "prefixes", "variables");

  fetch(root.dataset.examples)
    .then(function (response) { return response.json(); })
    .then(function (examples) {
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
      examples.forEach(function (example, index) {
        var tab = Yasgui.Tab.getDefaults(yasgui);
        tab.name = example.title;
        tab.yasqe = { value: example.query };
        tab.requestConfig = { endpoint: endpoint, method: "POST" };
        yasgui.addTab(index === 0, tab);
      });
      window.achatEditor = yasgui;
      document.getElementById("form-section").hidden = true;
    })
    .catch(function (error) {
      console.error("The query editor could not start; the form still works.", error);
    });
})();
