/* Entity curation from the facet sidebar (only on a server started with --allow-curation; see
   webui/curation.py). The pencil beside a person, organisation or place opens a small form:
   hide, merge into, rename to, or move to another facet. The change is POSTed as JSON to the
   server, which saves it in the curation file, applies it to the indexed stories, and answers
   with what it did; the page then reloads its current URL (the whole state is in the URL). */
(function () {
  "use strict";

  const endpoint = document.currentScript.dataset.endpoint;
  const FIELDS = { merge: "into", rename: "to", retype: "type" };
  const LABELS = { hide: "Hide", merge: "Merge into…", rename: "Rename to…", retype: "Move to facet…" };
  const TYPES = ["people", "organizations", "places"];

  function element(tag, props, children) {
    const node = Object.assign(document.createElement(tag), props || {});
    for (const child of children || []) node.append(child);
    return node;
  }

  /** The form under one facet value. */
  function panel(item) {
    const value = item.dataset.value;
    const action = element("select", { name: "action", "aria-label": "Action" },
      Object.entries(LABELS).map(([key, text]) => element("option", { value: key, textContent: text })));
    const target = element("input", { name: "target", type: "text", placeholder: "new value", hidden: true });
    target.setAttribute("aria-label", "New value");
    const kind = element("select", { name: "type", hidden: true },
      TYPES.map((name) => element("option", { value: name, textContent: name })));
    kind.setAttribute("aria-label", "Facet");
    const status = element("output", { className: "curate-status" });
    const form = element("form", { className: "curate-panel" }, [
      action, target, kind, element("button", { type: "submit", textContent: "Apply" }), status,
    ]);
    action.addEventListener("change", () => {
      target.hidden = !(action.value === "merge" || action.value === "rename");
      kind.hidden = action.value !== "retype";
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const change = { action: action.value, value: value };
      if (FIELDS[action.value] === "type") change.type = kind.value;
      else if (FIELDS[action.value]) change[FIELDS[action.value]] = target.value.trim();
      status.textContent = "saving…";
      try {
        const response = await fetch(endpoint, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(change),
        });
        const answer = await response.json();
        if (!response.ok) throw new Error(answer.error || response.statusText);
        status.textContent = answer.message;
        location.reload();
      } catch (error) {
        status.textContent = "not saved: " + error.message;
      }
    });
    return form;
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".facet-curate");
    if (!button) return;
    event.preventDefault();
    const item = button.closest(".facet-item");
    const open = item.querySelector(".curate-panel");
    if (open) return open.remove();
    const form = panel(item);
    item.append(form);
    form.querySelector("select").focus();
  });
})();
