// The co-occurrence network: the asked entity in the middle, the entities seen with it around,
// edge width by shared stories. Drawn with Cytoscape.js (vendored, MIT); a node opens the
// stories it shares with the asked entity. Data comes from the server in data-graph.
(function () {
  "use strict";
  var box = document.getElementById("cooc-graph");
  if (!box || typeof window.cytoscape !== "function") return;
  var data = JSON.parse(box.dataset.graph);
  var biggest = Math.max.apply(null, data.edges.map(function (e) { return e.count; }).concat([1]));
  var elements = data.nodes.map(function (n) {
    return { group: "nodes", data: { id: n.id, label: n.label, facet: n.facet, href: n.href } };
  }).concat(data.edges.map(function (e, i) {
    return { group: "edges", data: { id: "e" + i, source: e.source, target: e.target, count: e.count,
                                     width: 1 + 7 * e.count / biggest } };
  }));
  var colours = { people: "#1d4e89", organizations: "#8a3ffc", places: "#198038", countries: "#b28600" };
  var cy = window.cytoscape({
    container: box,
    elements: elements,
    autoungrabify: false,
    wheelSensitivity: 0.3,
    layout: { name: "concentric", animate: false, minNodeSpacing: 28,
              concentric: function (node) { return node.id() === "center" ? 2 : 1; }, levelWidth: function () { return 1; } },
    style: [
      { selector: "node", style: { "label": "data(label)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 3,
                                   "width": 18, "height": 18, "background-color": "#5b6470", "color": "#1b1f24" } },
      { selector: "node#center", style: { "width": 30, "height": 30, "font-weight": "bold", "background-color": "#a4262c" } },
      { selector: "edge", style: { "width": "data(width)", "line-color": "#aab3bd", "opacity": 0.7, "curve-style": "straight" } }
    ].concat(Object.keys(colours).map(function (facet) {
      return { selector: "node[facet = '" + facet + "'][id != 'center']", style: { "background-color": colours[facet] } };
    }))
  });
  cy.on("tap", "node", function (event) {
    var href = event.target.data("href");
    if (href) window.location.assign(href);
  });
  box.dataset.ready = "true";
})();
