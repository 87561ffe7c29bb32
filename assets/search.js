// supportbook: the served site's search box. `supportbook serve` adds this
// script to every page it serves (it is never written to disk). When
// GET /api/search answers, it takes over mdBook's search bar
// (#mdbook-searchbar): as you type (debounced) it asks the KB index and shows
// titles, snippets and product/tag chips in mdBook's results list. Above the
// results, the few products and tags that most of them share are offered as
// filter chips with their counts; clicking one filters by it (again: off).
// The chips are the site's tag pills (.sb-chip), drawn with the theme's own
// colours, so they read in light and dark themes alike. Without the API (a
// static build) mdBook's own offline search stays in charge.
(function () {
  "use strict";
  var API = "/api/search";
  var DELAY = 120;
  var active = false;
  var timer = null;
  var seq = 0;
  var filters = { product: [], tag: [] };
  // Filter chips offered at most (the active ones are always shown too).
  var MAX_CHIPS = 6;

  // The chips' looks, from the theme's variables (light, rust, coal, navy,
  // ayu): the site's tag pill; pressed, its colours swap (text colour filled
  // in, page colour for the text), which reads in every theme (the link
  // colour as a fill did not, in the dark ones).
  var STYLE = [
    "#supportbook-search-filters{margin:.5em 0;display:flex;flex-wrap:wrap;align-items:center;gap:.3em}",
    "#supportbook-search-filters .supportbook-filter-label{font-size:.85em;opacity:.8;margin-right:.2em}",
    "button.supportbook-chip{display:inline-block;margin:0;padding:0 .6em;border:1px solid var(--table-border-color,#ccc);",
    "border-radius:1em;background:var(--bg,#fff);color:var(--fg,#000);font:inherit;font-size:.85em;line-height:1.8;cursor:pointer}",
    "button.supportbook-chip:hover{border-color:var(--links,#2b79a2)}",
    "button.supportbook-chip:focus-visible{outline:2px solid var(--links,#2b79a2);outline-offset:1px}",
    "button.supportbook-chip.active{background:var(--fg,#000);border-color:var(--fg,#000);color:var(--bg,#fff)}",
    ".supportbook-chip-count{margin-left:.4em;opacity:.75;font-variant-numeric:tabular-nums}",
    "li.supportbook-hit .sb-chip{font-size:.75em;margin:0 0 .2em;padding:0 .45em;color:var(--fg,#000)}",
  ].join("\n");

  function addStyle() {
    if ($("supportbook-search-style")) { return; }
    var el = document.createElement("style");
    el.id = "supportbook-search-style";
    el.textContent = STYLE;
    (document.head || document.documentElement).appendChild(el);
  }

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

  function chip(kind, value, count, on) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "sb-chip supportbook-chip supportbook-chip-" + kind + (on ? " active" : "");
    b.dataset.kind = kind;
    b.dataset.value = value;
    b.dataset.count = String(count);
    var name = document.createElement("span");
    name.textContent = (kind === "product" ? "" : "#") + value;
    var n = document.createElement("span");
    n.className = "supportbook-chip-count";
    n.textContent = String(count);
    b.appendChild(name);
    b.appendChild(n);
    b.setAttribute("aria-pressed", on ? "true" : "false");
    b.title = (on ? "Remove the filter " : "Only ") + kind + " " + value + " (" + count +
      (count === 1 ? " result" : " results") + " here)";
    b.addEventListener("click", function (e) { e.preventDefault(); toggle(kind, value); });
    return b;
  }

  // The filters worth offering for `hits`: each product and tag with the
  // number of results that have it, most first (then by name), at most
  // MAX_CHIPS; the active filters always, first.
  function offered(hits) {
    var counts = {};
    hits.forEach(function (h) {
      [["product", h.products || []], ["tag", h.tags || []]].forEach(function (pair) {
        pair[1].forEach(function (v) {
          var key = pair[0] + "\u0000" + v;
          counts[key] = (counts[key] || 0) + 1;
        });
      });
    });
    var all = Object.keys(counts).map(function (key) {
      var parts = key.split("\u0000");
      return { kind: parts[0], value: parts[1], count: counts[key] };
    });
    var isOn = function (c) { return filters[c.kind].indexOf(c.value) >= 0; };
    var on = [];
    ["product", "tag"].forEach(function (kind) {
      filters[kind].forEach(function (v) {
        on.push({ kind: kind, value: v, count: counts[kind + "\u0000" + v] || 0 });
      });
    });
    var rest = all.filter(function (c) { return !isOn(c); }).sort(function (a, b) {
      return b.count - a.count || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) ||
        (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
    });
    return on.concat(rest.slice(0, Math.max(0, MAX_CHIPS - on.length)));
  }

  function filterBar(hits) {
    var bar = $("supportbook-search-filters");
    var outer = $("mdbook-searchresults-outer");
    if (!bar && outer) {
      bar = document.createElement("div");
      bar.id = "supportbook-search-filters";
      bar.setAttribute("role", "group");
      bar.setAttribute("aria-label", "Filter the results");
      outer.insertBefore(bar, $("mdbook-searchresults"));
    }
    if (!bar) { return; }
    addStyle();
    bar.textContent = "";
    var chips = offered(hits);
    if (chips.length === 0) { return; }
    var label = document.createElement("span");
    label.className = "supportbook-filter-label";
    label.textContent = "Filter:";
    bar.appendChild(label);
    chips.forEach(function (c) {
      bar.appendChild(chip(c.kind, c.value, c.count, filters[c.kind].indexOf(c.value) >= 0));
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
        return '<span class="sb-chip supportbook-tag">' + escapeHtml(p) + "</span>";
      }).concat((h.tags || []).map(function (t) {
        return '<span class="sb-chip supportbook-tag">#' + escapeHtml(t) + "</span>";
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
