/* livesearch search page: results update as you type and the whole state lives in the URL, so
   links can be shared and Back works. The server renders everything (webui/pages.py and the
   templates): this script only asks the same page for its results region (the
   X-Livesearch-Partial header), swaps it in and puts the server's canonical URL in the address
   bar. It builds no result markup and knows no URL rules of its own: links carry their target,
   and the form (with the hidden filter fields the server puts in the region) gives the rest. */
(function () {
  "use strict";

  const app = document.getElementById("search-app");
  if (!app) return;

  const TYPING_DELAY_MS = 300; // debounce: one request per pause in typing, not per keystroke
  const FILTER_DELAY_MS = 200;
  const PARTIAL = { "X-Livesearch-Partial": "1" };
  const form = document.getElementById("search-form");
  const fields = form.elements;
  const $ = (id) => document.getElementById(id);

  let inflight = null; // the AbortController of the request whose answer we are waiting for
  let typingTimer = null;
  let typingEntry = false; // the current history entry was made by typing: replace, don't stack

  /** GET `url` as an HTML fragment, cancelling the previous request of the same `slot`. */
  const slots = {};
  async function fetchFragment(url, slot, headers) {
    if (slots[slot]) slots[slot].abort();
    const controller = (slots[slot] = new AbortController());
    const response = await fetch(url, { signal: controller.signal, headers: { ...PARTIAL, ...headers } });
    const text = await response.text();
    if (slots[slot] !== controller) throw new DOMException("superseded", "AbortError");
    slots[slot] = null;
    return { ok: response.ok, status: response.status, doc: new DOMParser().parseFromString(text, "text/html") };
  }

  // ---- the search: URL in, results region out ---------------------------------------------
  /** The search the form describes: its fields plus the filters the server put in as hidden fields. */
  function formUrl() {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (String(value).trim()) params.append(name, value);
    return form.getAttribute("action") + "?" + params.toString();
  }

  /** mode: "push" or "replace" a history entry with the server's URL for the result, or null. */
  async function navigate(url, mode, typing, restoring) {
    app.dataset.state = "loading";
    app.setAttribute("aria-busy", "true");
    let answer;
    try {
      answer = await fetchFragment(url, "search", typing ? { "X-Livesearch-Typing": "1" } : {});
    } catch (error) {
      if (error.name === "AbortError") return;
      return showError("The search could not be run: " + error.message);
    }
    const region = answer.doc.getElementById("results");
    if (!region) {
      const message = answer.doc.querySelector(".error");
      return showError(message ? message.textContent : "The search failed (" + answer.status + ").");
    }
    swap(region, restoring);
    if (mode === "push") history.pushState(null, "", region.dataset.url);
    else if (mode === "replace") history.replaceState(null, "", region.dataset.url);
    app.removeAttribute("aria-busy");
    app.dataset.state = "ready";
  }

  function swap(region, restoring) {
    const focusKey = keyOf(document.activeElement);
    const closed = [...app.querySelectorAll(".facet:not([open])")].map((group) => group.dataset.facet);
    $("results").replaceWith(document.adoptNode(region));
    for (const facet of closed) app.querySelector('.facet[data-facet="' + facet + '"]')?.removeAttribute("open");
    const data = region.dataset;
    if (restoring || document.activeElement !== fields.q) fields.q.value = data.q;
    fields.sort.value = data.sort;
    fields.from.value = data.from;
    fields.to.value = data.to;
    fields.per_page.value = data.perPage;
    $("status").textContent = data.status;
    document.title = data.title;
    restoreFocus(focusKey);
  }

  function showError(message) {
    $("error").textContent = message;
    $("error").hidden = false;
    $("status").textContent = "";
    app.removeAttribute("aria-busy");
    app.dataset.state = "error";
  }

  /** Keyboard users keep their place when a click re-renders the region. */
  function keyOf(node) {
    if (!node || !node.closest || !$("results").contains(node)) return null;
    const item = node.closest(".facet-item");
    if (item) return { facet: item.closest(".facet").dataset.facet, value: item.dataset.value, className: node.className };
    return node.id ? { id: node.id } : null;
  }

  function restoreFocus(key) {
    if (!key) return;
    if (key.id) return $(key.id)?.focus();
    const group = app.querySelector('.facet[data-facet="' + key.facet + '"]');
    const item = group && [...group.querySelectorAll(".facet-item")].find((li) => li.dataset.value === key.value);
    const target = item ? item.getElementsByClassName(key.className)[0] : group && group.querySelector("summary");
    if (target) target.focus();
  }

  // ---- facet lists: filter within a long list, show more --------------------------------------
  async function loadValues(group, url) {
    const list = group.querySelector(".facet-values");
    try {
      const answer = await fetchFragment(url, "facet-" + group.dataset.facet, {});
      const values = answer.doc.querySelector(".facet-values");
      if (values) list.replaceWith(document.adoptNode(values));
    } catch (error) {
      if (error.name !== "AbortError") list.replaceChildren(Object.assign(document.createElement("li"),
        { className: "facet-empty", textContent: "could not load: " + error.message }));
    }
  }

  function onFacetFilter(box) {
    const group = box.closest(".facet");
    const prefix = box.value.trim();
    clearTimeout(box.timer);
    if (!prefix && group.savedList) {
      slots["facet-" + group.dataset.facet]?.abort();
      group.querySelector(".facet-values").replaceWith(group.savedList);
      delete group.savedList;
      return;
    }
    if (!group.savedList) group.savedList = group.querySelector(".facet-values");
    const url = new URL(group.dataset.valuesUrl, location.href);
    url.searchParams.set("prefix", prefix);
    box.timer = setTimeout(() => loadValues(group, url), FILTER_DELAY_MS);
  }

  // ---- date histogram: drag across bars to select a range ----------------------------------
  let drag = null;
  let suppressClick = false;
  const chart = () => app.querySelector("#histogram svg.bars");

  function barAt(event) {
    const bars = chart().querySelectorAll("a.bar");
    const box = chart().getBoundingClientRect();
    const index = Math.floor(((event.clientX - box.left) / box.width) * bars.length);
    return Math.min(bars.length - 1, Math.max(0, index));
  }

  function paintSelection() {
    const [low, high] = [Math.min(drag.start, drag.end), Math.max(drag.start, drag.end)];
    chart().querySelectorAll("a.bar").forEach((bar, i) => bar.classList.toggle("selecting", i >= low && i <= high));
  }

  app.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || !event.target.closest("#histogram a.bar")) return;
    drag = { start: barAt(event), end: barAt(event) };
    chart().setPointerCapture(event.pointerId);
    paintSelection();
    event.preventDefault();
  });
  app.addEventListener("pointermove", (event) => {
    if (!drag) return;
    drag.end = barAt(event);
    paintSelection();
  });
  app.addEventListener("pointerup", () => {
    if (!drag) return;
    const bars = chart().querySelectorAll("a.bar");
    const [low, high] = [Math.min(drag.start, drag.end), Math.max(drag.start, drag.end)];
    drag = null;
    // Pointer capture retargets the click to the chart, so the gesture navigates here.
    suppressClick = true;
    setTimeout(() => (suppressClick = false), 0);
    fields.from.value = bars[low].dataset.start;
    fields.to.value = bars[high].dataset.end;
    commit();
  });
  app.addEventListener("pointercancel", () => {
    drag = null;
    app.querySelectorAll("a.bar.selecting").forEach((bar) => bar.classList.remove("selecting"));
  });

  // ---- events ------------------------------------------------------------------------------
  /** A deliberate change (Enter, a menu, a date): a new history entry, typed text as written. */
  function commit() {
    clearTimeout(typingTimer);
    navigate(formUrl(), typingEntry ? "replace" : "push", false);
    typingEntry = false;
  }

  app.addEventListener("click", (event) => {
    if (suppressClick) return event.preventDefault();
    const link = event.target.closest("a[data-nav], a[data-more]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    const href = new URL(link.getAttribute("href") || link.getAttribute("xlink:href"), location.href).href;
    if (link.hasAttribute("data-more")) {
      loadValues(link.closest(".facet"), href).then(() => link.remove());
      return;
    }
    typingEntry = false;
    navigate(href, "push", false);
  });

  // Typing: wait for a pause, cancel the request still running, and keep one history entry
  // for the whole burst (the first update pushes, later ones replace), so the URL always
  // holds what is shown and Back returns to the search before typing.
  fields.q.addEventListener("input", () => {
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      navigate(formUrl(), typingEntry ? "replace" : "push", true);
      typingEntry = true;
    }, TYPING_DELAY_MS);
  });

  for (const name of ["sort", "from", "to", "per_page"]) fields[name].addEventListener("change", commit);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    commit();
  });

  app.addEventListener("input", (event) => {
    if (event.target.classList.contains("facet-filter")) onFacetFilter(event.target);
  });

  window.addEventListener("popstate", () => {
    typingEntry = false;
    navigate(location.href, null, false, true);
  });

  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
    if (event.key === "/" && !typing) {
      event.preventDefault();
      fields.q.focus();
      fields.q.select();
    }
  });

  if (window.matchMedia("(max-width: 760px)").matches) {
    app.querySelectorAll(".facet").forEach((group) => group.removeAttribute("open"));
  }
  app.dataset.state = "ready";
})();
