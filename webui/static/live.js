// "N new stories since your last visit" for a search left open (issue 15).
// Kept apart from app.js: it only reads the page's URL and one data attribute. It asks
// /api/search for the current search's stories first seen after the index's newest story when
// the page was loaded, waiting longer after each poll that finds nothing new (from
// data-poll-ms up to ten minutes), and not at all while the tab is hidden.
(function () {
  "use strict";
  const box = document.getElementById("new-since");
  const feed = document.getElementById("search-feed");
  if (!box || !window.fetch || !window.URLSearchParams) return;
  const since = box.dataset.since;
  const first = Math.max(1000, Number(box.dataset.pollMs) || 30000);
  const longest = 10 * 60 * 1000;
  let delay = first;
  let timer = null;
  let shown = 0;

  function searchParams() {
    const params = new URLSearchParams(window.location.search);
    for (const name of ["page", "per_page", "since"]) params.delete(name);
    return params;
  }

  function schedule() {
    window.clearTimeout(timer);
    if (!document.hidden) timer = window.setTimeout(poll, delay);
  }

  function show(count) {
    if (count === shown) return;
    shown = count;
    box.textContent = "";
    box.hidden = count === 0;
    if (!count) return;
    box.append(`${count.toLocaleString()} new ${count === 1 ? "story" : "stories"} since your last visit · `);
    const link = document.createElement("a");
    link.href = window.location.pathname + window.location.search;
    link.textContent = "show";
    box.append(link);
  }

  function poll() {
    const params = searchParams();
    if (feed) {
      params.delete("sort");
      const query = params.toString();
      feed.href = "/api/search.atom" + (query ? "?" + query : "");
    }
    params.set("since", since);
    params.set("sort", "first_seen");  // the count is all that is read: no ranking needed
    params.set("per_page", "1");
    window.fetch("/api/search?" + params.toString(), { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        const grew = data.total > shown;
        show(data.total);
        delay = grew ? first : Math.min(longest, delay * 2);
      })
      .catch(() => { delay = Math.min(longest, delay * 2); })
      .then(schedule);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) window.clearTimeout(timer);
    else schedule();
  });
  if (since) schedule();
})();
