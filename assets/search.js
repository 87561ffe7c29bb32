// supportbook: the served site's search box. `supportbook serve` adds this
// script to every page it serves (it is never written to disk). When
// GET /api/search answers, it takes over mdBook's search bar
// (#mdbook-searchbar): as you type (debounced) it asks the KB index and shows
// titles, snippets and product/tag chips in mdBook's results list; clicking a
// chip filters by it. Without the API (a static build) mdBook's own offline
// search stays in charge.
(function () {
  "use strict";
  var API = "/api/search";
  var DELAY = 120;
  var active = false;
  var timer = null;
  var seq = 0;
  var filters = { product: [], tag: [] };

  function $(id) { return document.getElementById(id); }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function query(q) {
    var params = new URLSearchParams();
    params.set("q", q);
    params.set("limit", "20");
    filters.product.forEach(function (p) { params.append("product", p); });
    filters.tag.forEach(function (t) { params.append("tag", t); });
    return API + "?" + params.toString();
  }

  function toggle(kind, value) {
    var list = filters[kind];
    var i = list.indexOf(value);
    if (i >= 0) { list.splice(i, 1); } else { list.push(value); }
    run();
  }

  function chip(kind, value, on) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "supportbook-chip supportbook-chip-" + kind + (on ? " active" : "");
    b.dataset.kind = kind;
    b.dataset.value = value;
    b.textContent = (kind === "product" ? "" : "#") + value;
    b.setAttribute("aria-pressed", on ? "true" : "false");
    b.style.cssText = "margin:0 .3em .3em 0;padding:.1em .6em;border-radius:1em;border:1px solid currentColor;" +
      "background:" + (on ? "var(--links, #2b79a2)" : "transparent") + ";color:" + (on ? "#fff" : "inherit") +
      ";font-size:.8em;cursor:pointer";
    b.addEventListener("click", function (e) { e.preventDefault(); toggle(kind, value); });
    return b;
  }

  function filterBar(hits) {
    var bar = $("supportbook-search-filters");
    var outer = $("mdbook-searchresults-outer");
    if (!bar && outer) {
      bar = document.createElement("div");
      bar.id = "supportbook-search-filters";
      bar.style.margin = ".5em 0";
      outer.insertBefore(bar, $("mdbook-searchresults"));
    }
    if (!bar) { return; }
    bar.textContent = "";
    var seen = { product: {}, tag: {} };
    filters.product.forEach(function (p) { seen.product[p] = true; });
    filters.tag.forEach(function (t) { seen.tag[t] = true; });
    hits.forEach(function (h) {
      (h.products || []).forEach(function (p) { seen.product[p] = true; });
      (h.tags || []).forEach(function (t) { seen.tag[t] = true; });
    });
    ["product", "tag"].forEach(function (kind) {
      Object.keys(seen[kind]).sort().forEach(function (v) {
        bar.appendChild(chip(kind, v, filters[kind].indexOf(v) >= 0));
      });
    });
  }

  function show(data) {
    var list = $("mdbook-searchresults");
    var header = $("mdbook-searchresults-header");
    var outer = $("mdbook-searchresults-outer");
    if (!list || !header || !outer) { return; }
    var hits = data.hits || [];
    var total = Math.max(data.total || 0, hits.length);
    header.textContent = (total > hits.length ? hits.length + " of " : "") + total +
      (total === 1 ? " result" : " results") + " for '" + data.query + "'";
    list.textContent = "";
    hits.forEach(function (h) {
      var li = document.createElement("li");
      li.className = "supportbook-hit";
      var chips = (h.products || []).map(function (p) {
        return '<span class="supportbook-tag" style="font-size:.75em;opacity:.75">' + escapeHtml(p) + "</span>";
      }).concat((h.tags || []).map(function (t) {
        return '<span class="supportbook-tag" style="font-size:.75em;opacity:.75">#' + escapeHtml(t) + "</span>";
      })).join(" ");
      var state = h.state && h.state !== "validated" ? " [" + escapeHtml(h.state) + "]" : "";
      // The snippet is HTML from the server: text escaped, matches in <b>.
      li.innerHTML = '<a href="/' + escapeHtml(h.url) + '">' + escapeHtml(h.title) + "</a>" + state +
        '<span aria-hidden="true"> ' + chips + "</span>" +
        '<span class="teaser" aria-label="Search Result Teaser">' + (h.snippet || "") + "</span>";
      list.appendChild(li);
    });
    filterBar(hits);
    outer.classList.remove("hidden");
  }

  function run() {
    var bar = $("mdbook-searchbar");
    if (!bar) { return; }
    var q = bar.value.trim();
    var outer = $("mdbook-searchresults-outer");
    if (q === "" && filters.product.length === 0 && filters.tag.length === 0) {
      if (outer) { outer.classList.add("hidden"); }
      return;
    }
    var mine = ++seq;
    fetch(query(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && mine === seq) { show(data); } })
      .catch(function () {});
  }

  function onType(e) {
    if (!active || !e.target || e.target.id !== "mdbook-searchbar") { return; }
    // mdBook's own (offline) search must not answer as well.
    if (e.type === "keyup" && (e.key === "ArrowUp" || e.key === "ArrowDown" || e.key === "Enter" || e.key === "Escape")) {
      return;
    }
    e.stopImmediatePropagation();
    clearTimeout(timer);
    timer = setTimeout(run, DELAY);
  }

  window.addEventListener("keyup", onType, true);
  window.addEventListener("input", onType, true);

  fetch(API + "?q=&limit=1")
    .then(function (r) {
      if (r.ok) {
        active = true;
        document.documentElement.dataset.supportbookSearch = "api";
        var bar = $("mdbook-searchbar");
        if (bar) { bar.placeholder = "Search the knowledge base ..."; }
      }
    })
    .catch(function () {});
})();
