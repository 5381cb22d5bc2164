// The network drawing: fetch the elements named by data-src and draw them with Cytoscape.js.
// A file, not inline script: the pages' Content-Security-Policy allows scripts from this server only.
(function () {
  "use strict";
  var colours = { seizure: "#c0392b", sample: "#2874a6", site: "#7d3c98", actor: "#1e8449", tablet: "#b9770e" };

  function draw(container, elements) {
    var cy = cytoscape({
      container: container,
      elements: elements,
      style: [
        { selector: "node", style: { "background-color": function (n) { return colours[n.data("kind")] || "#566573"; },
                                     "width": 12, "height": 12, "label": "", "font-size": 8 } },
        { selector: "node:selected", style: { "label": "data(label)", "border-width": 2, "border-color": "#000" } },
        { selector: "edge", style: { "width": 1, "line-color": "#aab7c4", "curve-style": "haystack" } }
      ],
      layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: 4000, numIter: 500 },
      wheelSensitivity: 0.2
    });
    container.setAttribute("data-drawn", String(cy.nodes().length));
  }

  function start() {
    var container = document.getElementById("network-canvas");
    if (!container || typeof cytoscape === "undefined") { return; }
    fetch(container.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (body) { draw(container, body.elements || []); })
      .catch(function (e) { container.textContent = "The network could not be drawn: " + e; });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
