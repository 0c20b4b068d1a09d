// The links to the analysis pages carry the search as it is now: the search page changes its
// URL as you type, so each link takes the current query string when followed. The wire-copy
// switch sets collapse=false (every copy listed) or drops it (copies grouped, the default).
(function () {
  "use strict";
  var OWN = ["page", "per_page", "entity", "limit", "min_count", "interval"];
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.analysis-link") : null;
    if (!link) return;
    var params = new URLSearchParams(window.location.search);
    OWN.forEach(function (name) { params.delete(name); });
    if (link.dataset.collapse) {
      params.delete("collapse");
      if (link.dataset.collapse === "false") params.set("collapse", "false");
    } else if (link.dataset.base !== "/") {
      params.delete("collapse");
    }
    var query = params.toString();
    link.href = link.dataset.base + (query ? "?" + query : "");
  }, true);
})();
