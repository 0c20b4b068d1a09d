/* livesearch search page: results update as you type (through /api/search) and the whole state
   lives in the URL, so links can be shared and Back works. The server renders the same markup
   first, so everything here is an enhancement. Page text is never parsed as HTML except the
   engine's highlight fragments, of which only text and <mark> are copied. */
(function () {
  "use strict";

  const app = document.getElementById("search-app");
  if (!app) return;

  const FACET_PARAMS = JSON.parse(app.dataset.facetParams); // facet name -> URL parameter
  const FACET_LABELS = JSON.parse(app.dataset.facetLabels);
  const BAR_PX = Number(app.dataset.barPx);
  const TYPING_DELAY_MS = 250;
  const FILTER_DELAY_MS = 200;
  const FILTER_BOX_MIN_VALUES = 8;
  const PAGER_SPAN = 2;

  const form = document.getElementById("search-form");
  const fields = { q: form.elements.q, sort: form.elements.sort, from: form.elements.from, to: form.elements.to };
  const $ = (id) => document.getElementById(id);

  let current = new URLSearchParams(location.search);
  let inflight = null;
  let typingTimer = null;
  let typingEntry = false; // the current history entry was made by typing: replace, don't stack

  // ---- small DOM helpers -------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  /** Highlight HTML (escaped text + <mark>) -> DOM nodes, keeping nothing but text and marks. */
  function marked(html) {
    const parsed = new DOMParser().parseFromString("<body>" + (html || ""), "text/html");
    const out = document.createDocumentFragment();
    (function copy(source, target) {
      for (const node of source.childNodes) {
        if (node.nodeType === Node.TEXT_NODE) target.append(node.data);
        else if (node.nodeType === Node.ELEMENT_NODE && node.tagName === "MARK") copy(node, target.appendChild(el("mark")));
        else if (node.nodeType === Node.ELEMENT_NODE) copy(node, target);
      }
    })(parsed.body, out);
    return out;
  }

  // ---- URL state (mirrors SearchLinks in webui/pages.py) -----------------------------------
  function href(params) {
    const text = params.toString();
    return text ? "/?" + text : "/";
  }

  function filters(params) {
    const out = new URLSearchParams(params);
    out.delete("page");
    return out;
  }

  function isSelected(params, key, value) {
    return params.getAll(key).includes(value);
  }

  function without(params, key, value) {
    const out = new URLSearchParams();
    for (const [k, v] of filters(params)) if (!(k === key && v === value)) out.append(k, v);
    return out;
  }

  function toggled(params, param, value) {
    if (isSelected(params, param, value)) return without(params, param, value);
    const out = without(params, "exclude_" + param, value);
    out.append(param, value);
    return out;
  }

  function excluded(params, param, value) {
    const out = without(params, param, value);
    out.append("exclude_" + param, value);
    return out;
  }

  function withDates(params, start, end) {
    const out = filters(params);
    out.delete("from");
    out.delete("to");
    if (start) out.set("from", start);
    if (end) out.set("to", end);
    return out;
  }

  function withPage(params, page) {
    const out = filters(params);
    if (page > 1) out.set("page", String(page));
    return out;
  }

  function fromForm() {
    const out = filters(current);
    for (const name of ["q", "sort", "from", "to"]) out.delete(name);
    const q = fields.q.value.trim();
    if (q) out.set("q", q);
    if (fields.sort.value !== "relevance") out.set("sort", fields.sort.value);
    if (fields.from.value) out.set("from", fields.from.value);
    if (fields.to.value) out.set("to", fields.to.value);
    return out;
  }

  function syncForm(params) {
    if (document.activeElement !== fields.q) fields.q.value = params.get("q") || "";
    fields.sort.value = params.get("sort") || "relevance";
    fields.from.value = isoDay(params.get("from"));
    fields.to.value = isoDay(params.get("to"));
  }

  function isoDay(text) {
    return /^\d{4}-\d{2}-\d{2}$/.test(text || "") ? text : "";
  }

  function bucketRange(value) {
    const parts = value.split("-");
    if (parts.length === 1) return [value + "-01-01", value + "-12-31"];
    if (parts.length === 2) {
      const last = new Date(Date.UTC(Number(parts[0]), Number(parts[1]), 0)).getUTCDate();
      return [value + "-01", value + "-" + String(last).padStart(2, "0")];
    }
    return [value, value];
  }

  // ---- loading -----------------------------------------------------------------------------
  function navigate(params, mode) {
    current = params;
    syncForm(params);
    if (mode === "push") history.pushState(null, "", href(params));
    else if (mode === "replace") history.replaceState(null, "", href(params));
    return load(params);
  }

  async function load(params) {
    if (inflight) inflight.abort();
    const controller = (inflight = new AbortController());
    app.dataset.state = "loading";
    app.setAttribute("aria-busy", "true");
    try {
      const response = await fetch("/api/search?" + params.toString(), {
        signal: controller.signal,
        headers: { Accept: "application/json" },
      });
      const data = await response.json();
      if (controller !== inflight) return;
      if (response.ok) render(data, params);
      else showError(data.error || "The search failed (" + response.status + ").");
    } catch (error) {
      if (error.name === "AbortError") return;
      showError("The search could not be run: " + error.message);
    } finally {
      if (controller === inflight) {
        inflight = null;
        app.removeAttribute("aria-busy");
      }
    }
  }

  function showError(message) {
    $("error").textContent = message;
    $("error").hidden = false;
    $("status").textContent = "";
    for (const id of ["hits", "pager", "chips"]) $(id).replaceChildren();
    $("histogram").hidden = true;
    $("suggestion").hidden = true;
    app.dataset.state = "error";
  }

  // ---- rendering (mirrors the Jinja templates) ---------------------------------------------
  function render(data, params) {
    const focusKey = keyOf(document.activeElement);
    $("error").hidden = true;
    const lastPage = Math.max(1, Math.ceil(data.total / data.per_page));
    $("status").textContent =
      data.total.toLocaleString("en") + (data.total === 1 ? " story" : " stories") +
      (data.total ? " · page " + data.page + " of " + lastPage : "");
    renderChips(params);
    renderFacets(data.facets, params);
    renderHistogram(data.facets.dates, params);
    renderSuggestion(data.suggestion, params);
    renderHits(data, params);
    renderPager(data.page, lastPage, params);
    document.title = (params.get("q") ? params.get("q") + " · " : "") + "livesearch";
    restoreFocus(focusKey);
    app.dataset.state = "ready";
  }

  function renderChips(params) {
    const chips = [];
    for (const [key, value] of filters(params)) {
      const isExclude = key.startsWith("exclude_");
      const param = isExclude ? key.slice("exclude_".length) : key;
      const facet = Object.keys(FACET_PARAMS).find((name) => FACET_PARAMS[name] === param);
      const label = facet ? FACET_LABELS[facet] : key === "from" || key === "to" ? key : null;
      if (!label) continue;
      chips.push(
        el("li", { className: "chip" + (isExclude ? " excluded" : "") },
          el("span", { className: "chip-label" }, (isExclude ? "not " : "") + label + ":"), " " + value + " ",
          el("a", { "data-nav": true, href: href(without(params, key, value)),
                    "aria-label": "Remove filter " + label + " " + value, title: "Remove" }, "×")));
    }
    $("chips").replaceChildren(...chips);
  }

  function facetItem(facet, value, params) {
    const param = FACET_PARAMS[facet];
    const label = FACET_LABELS[facet].toLowerCase();
    return el("li", { className: "facet-item" + (value.selected ? " selected" : ""), "data-value": value.value },
      el("a", { className: "facet-toggle", "data-nav": true, href: href(toggled(params, param, value.value)),
                "aria-pressed": value.selected ? "true" : "false",
                title: (value.selected ? "Remove" : "Add") + " filter " + label + ": " + value.value },
        el("span", { className: "facet-name" }, value.value), " ",
        el("span", { className: "count" }, value.count)),
      el("a", { className: "facet-exclude", "data-nav": true, href: href(excluded(params, param, value.value)),
                "aria-label": "Exclude " + value.value, title: "Exclude " + value.value }, "−"));
  }

  function facetItems(facet, values, params) {
    return values.length
      ? values.map((value) => facetItem(facet, value, params))
      : [el("li", { className: "facet-empty" }, "none")];
  }

  function renderFacets(facets, params) {
    for (const group of app.querySelectorAll(".facet")) {
      const values = facets[group.dataset.facet] || [];
      const filterBox = group.querySelector(".facet-filter");
      filterBox.value = "";
      filterBox.hidden = values.length < FILTER_BOX_MIN_VALUES;
      group.querySelector(".facet-values").replaceChildren(...facetItems(group.dataset.facet, values, params));
      delete group.savedItems;
    }
  }

  function renderHistogram(buckets, params) {
    const figure = $("histogram");
    figure.hidden = buckets.length === 0;
    if (!buckets.length) return;
    const tallest = Math.max(1, ...buckets.map((b) => b.count));
    const from = isoDay(params.get("from")) || params.get("from");
    const to = isoDay(params.get("to")) || params.get("to");
    const bars = buckets.map((bucket, position) => {
      const [start, end] = bucketRange(bucket.value);
      const inRange = Boolean(from || to) && (from || start) <= start && end <= (to || end);
      const height = bucket.count ? Math.max(2, (100 * bucket.count) / tallest) : 0;
      const label = bucket.value + ": " + bucket.count + " stories";
      return svg("a", { class: "bar" + (inRange ? " in-range" : ""), "data-nav": "", href: href(withDates(params, start, end)),
                        "data-start": start, "data-end": end, "aria-label": label },
        svg("title", {}, label),
        svg("rect", { class: "bar-area", x: position * 10, y: 0, width: 10, height: 100 }),
        svg("rect", { class: "bar-fill", x: position * 10 + 1, y: 100 - height, width: 8, height: height }));
    });
    const chart = figure.querySelector("svg.bars");
    chart.setAttribute("viewBox", "0 0 " + buckets.length * 10 + " 100");
    chart.setAttribute("width", buckets.length * BAR_PX);
    chart.replaceChildren(...bars);
    figure.querySelector("figcaption").firstChild.textContent =
      "Stories by " + (buckets[0].value.length > 7 ? "day" : "month") + " ";
    figure.querySelector(".axis").replaceChildren(
      el("span", {}, buckets[0].value), el("span", {}, buckets[buckets.length - 1].value));
  }

  function renderSuggestion(suggestion, params) {
    const box = $("suggestion");
    box.hidden = !suggestion;
    if (!suggestion) return box.replaceChildren();
    const out = filters(params);
    out.set("q", suggestion);
    box.replaceChildren("Did you mean ", el("a", { "data-nav": true, href: href(out) }, suggestion), "?");
  }

  function renderHits(data, params) {
    const query = params.toString();
    const items = data.hits.map((hit) =>
      el("li", { className: "hit" },
        el("h2", { className: "hit-headline" },
          el("a", { href: "/stories/" + encodeURIComponent(hit.id) + (query ? "?" + query : "") },
            hit.headline ? marked(hit.headline) : el("span", { className: "no-headline" }, "(no headline)"))),
        el("p", { className: "hit-meta" },
          el("time", { datetime: hit.date || null }, hit.date || "undated"),
          hit.date ? [" ", el("span", { className: "basis" }, "(" + hit.date_basis + ")")] : null,
          " · ", el("span", { className: "source" }, hit.source)),
        el("p", { className: "hit-snippet" }, marked(hit.snippet)),
        hit.copies ? el("p", { className: "hit-copies" },  // wire copies (issue 17): _hit_copies.html
          el("a", { href: "/stories/" + encodeURIComponent(hit.id) + (query ? "?" + query : "") + "#copies" },
            "+ " + hit.copies + (hit.copies === 1 ? " outlet" : " outlets") + " carried this")) : null));
    $("hits").setAttribute("start", (data.page - 1) * data.per_page + 1);
    $("hits").replaceChildren(...items);
  }

  function renderPager(page, lastPage, params) {
    const links = [];
    if (page > 1) links.push(el("a", { "data-nav": true, rel: "prev", href: href(withPage(params, page - 1)) }, "← Previous"));
    for (let n = Math.max(1, page - PAGER_SPAN); n <= Math.min(lastPage, page + PAGER_SPAN); n++) {
      links.push(n === page
        ? el("span", { className: "current", "aria-current": "page" }, n)
        : el("a", { "data-nav": true, href: href(withPage(params, n)) }, n));
    }
    if (page < lastPage) links.push(el("a", { "data-nav": true, rel: "next", href: href(withPage(params, page + 1)) }, "Next →"));
    $("pager").replaceChildren(...links);
  }

  /** Keyboard users keep their place when a click re-renders the sidebar. */
  function keyOf(node) {
    const item = node && node.closest && node.closest(".facet-item");
    if (!item) return null;
    return [item.closest(".facet").dataset.facet, item.dataset.value, node.className];
  }

  function restoreFocus(key) {
    if (!key) return;
    const [facet, value, className] = key;
    const group = app.querySelector('.facet[data-facet="' + facet + '"]');
    const item = group && [...group.querySelectorAll(".facet-item")].find((li) => li.dataset.value === value);
    const target = item ? item.getElementsByClassName(className)[0] : group && group.querySelector("summary");
    if (target) target.focus();
  }

  // ---- facet filter boxes: search within a long list through /api/facets/<name> ----------
  function onFacetFilter(box) {
    const group = box.closest(".facet");
    const list = group.querySelector(".facet-values");
    const prefix = box.value.trim();
    clearTimeout(box.timer);
    if (!prefix) {
      if (group.savedItems) list.replaceChildren(...group.savedItems);
      delete group.savedItems;
      return;
    }
    if (!group.savedItems) group.savedItems = [...list.childNodes];
    box.timer = setTimeout(async () => {
      const params = filters(current);
      params.set("prefix", prefix);
      try {
        const response = await fetch("/api/facets/" + group.dataset.facet + "?" + params.toString());
        const data = await response.json();
        if (box.value.trim() !== prefix) return;
        list.replaceChildren(...(response.ok
          ? facetItems(group.dataset.facet, data.values, current)
          : [el("li", { className: "facet-empty" }, data.error || "filter failed")]));
      } catch (error) {
        list.replaceChildren(el("li", { className: "facet-empty" }, "filter failed: " + error.message));
      }
    }, FILTER_DELAY_MS);
  }

  // ---- date histogram: drag across bars to select a range ----------------------------------
  const chart = $("histogram").querySelector("svg.bars");
  let drag = null;
  let suppressClick = false;

  function barAt(event) {
    const bars = chart.querySelectorAll("a.bar");
    const box = chart.getBoundingClientRect();
    const index = Math.floor(((event.clientX - box.left) / box.width) * bars.length);
    return Math.min(bars.length - 1, Math.max(0, index));
  }

  function paintSelection() {
    const [low, high] = [Math.min(drag.start, drag.end), Math.max(drag.start, drag.end)];
    chart.querySelectorAll("a.bar").forEach((bar, i) => bar.classList.toggle("selecting", i >= low && i <= high));
  }

  chart.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || !event.target.closest("a.bar")) return;
    drag = { start: barAt(event), end: barAt(event) };
    chart.setPointerCapture(event.pointerId);
    paintSelection();
    event.preventDefault();
  });
  chart.addEventListener("pointermove", (event) => {
    if (!drag) return;
    drag.end = barAt(event);
    paintSelection();
  });
  chart.addEventListener("pointerup", () => {
    if (!drag) return;
    const bars = chart.querySelectorAll("a.bar");
    const [low, high] = [Math.min(drag.start, drag.end), Math.max(drag.start, drag.end)];
    drag = null;
    // Pointer capture retargets the click to the chart, so the gesture navigates here.
    suppressClick = true;
    setTimeout(() => (suppressClick = false), 0);
    typingEntry = false;
    navigate(withDates(current, bars[low].dataset.start, bars[high].dataset.end), "push");
  });
  chart.addEventListener("pointercancel", () => {
    drag = null;
    chart.querySelectorAll("a.bar.selecting").forEach((bar) => bar.classList.remove("selecting"));
  });

  // ---- events ------------------------------------------------------------------------------
  app.addEventListener("click", (event) => {
    if (suppressClick) return event.preventDefault();
    const link = event.target.closest("a[data-nav]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    const target = new URL(link.getAttribute("href") || link.getAttribute("xlink:href"), location.href);
    typingEntry = false;
    navigate(new URLSearchParams(target.search), "push");
  });

  fields.q.addEventListener("input", () => {
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      navigate(fromForm(), typingEntry ? "replace" : "push");
      typingEntry = true;
    }, TYPING_DELAY_MS);
  });

  for (const name of ["sort", "from", "to"]) {
    fields[name].addEventListener("change", () => {
      typingEntry = false;
      navigate(fromForm(), "push");
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typingTimer);
    navigate(fromForm(), typingEntry ? "replace" : "push");
    typingEntry = false;
  });

  app.addEventListener("input", (event) => {
    if (event.target.classList.contains("facet-filter")) onFacetFilter(event.target);
  });

  window.addEventListener("popstate", () => {
    typingEntry = false;
    current = new URLSearchParams(location.search);
    fields.q.value = current.get("q") || "";
    syncForm(current);
    load(current);
  });

  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
    if (event.key === "/" && !typing) {
      event.preventDefault();
      fields.q.focus();
      fields.q.select();
    }
  });

  // Hidden no-JS form fields would go stale once this script manages the state.
  form.querySelectorAll("input[type=hidden]").forEach((input) => input.remove());
  for (const group of app.querySelectorAll(".facet")) {
    group.querySelector(".facet-filter").hidden = group.querySelectorAll(".facet-item").length < FILTER_BOX_MIN_VALUES;
  }
  if (window.matchMedia("(max-width: 760px)").matches) {
    app.querySelectorAll(".facet").forEach((group) => group.removeAttribute("open"));
  }
  app.dataset.state = "ready";
})();
