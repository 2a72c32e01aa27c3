/* Local, dependency-free script: version switcher, sortable and filterable long tables.
   The site loads nothing from the internet; without JavaScript every page still reads and links work. */
(function () {
  "use strict";

  // Version switcher (like mike): the list comes from ../../versions.json at the site root, so old
  // versions, which are never rebuilt, still list releases published after them.
  function setupVersions() {
    var select = document.getElementById("version-select");
    if (!select) return;
    var current = select.getAttribute("data-current");
    var page = document.body.getAttribute("data-page") || "index.html";
    var lang = document.body.getAttribute("data-lang") || "en";
    fetch("../../versions.json").then(function (r) { return r.ok ? r.json() : []; }).then(function (versions) {
      if (!versions.length) return;
      select.textContent = "";
      versions.forEach(function (v) {
        var option = document.createElement("option");
        option.value = v.version;
        var latest = select.getAttribute("data-latest-label") || "latest";
        option.textContent = v.title + (v.aliases && v.aliases.indexOf("latest") >= 0 ? " (" + latest + ")" : "");
        if (v.version === current) option.selected = true;
        select.appendChild(option);
      });
    }).catch(function () { /* file:// or no server: the "All versions" link remains */ });
    select.addEventListener("change", function () {
      window.location.href = "../../" + encodeURIComponent(select.value) + "/" + lang + "/" + page;
    });
  }

  function cellValue(row, index) {
    var cell = row.cells[index];
    var text = cell ? cell.textContent.trim() : "";
    var number = parseFloat(text.replace(/,/g, "").replace(/\u2212/g, "-").replace(/%$/, ""));
    return { text: text, number: /^[\u2212\-]?[\d,]*\.?\d+%?$/.test(text) ? number : NaN };
  }

  function makeSortable(table) {
    var head = table.tHead;
    var body = table.tBodies[0];
    if (!head || !body) return;
    Array.prototype.forEach.call(head.rows[0].cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(head.rows[0].cells, function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var order = (!isNaN(x.number) && !isNaN(y.number)) ? x.number - y.number : x.text.localeCompare(y.text);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function makeFilterable(table, label) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "table-filter";
    input.setAttribute("aria-label", label);
    input.placeholder = label;
    table.parentNode.insertBefore(input, table);
    input.addEventListener("input", function () {
      var needle = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) < 0;
      });
    });
  }

  // ---- Goal pages: the table of contents (pipelines/site/goals.py) is open beside the text on wide screens and a
  // collapsed list on phones (closed again after a link is followed); the section being read is marked.
  function setupGoalToc() {
    var nav = document.querySelector("nav.goal-toc");
    if (!nav) return;
    var details = nav.querySelector("details");
    var wide = window.matchMedia("(min-width: 1000px)");
    function fit() { details.open = wide.matches; }
    fit();
    if (wide.addEventListener) wide.addEventListener("change", fit);
    nav.addEventListener("click", function (event) {
      if (event.target.closest("a") && !wide.matches) details.open = false;
    });
    var links = {};
    Array.prototype.forEach.call(nav.querySelectorAll("a[href^='#']"), function (a) { links[a.getAttribute("href").slice(1)] = a; });
    if (!("IntersectionObserver" in window)) return;
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        Array.prototype.forEach.call(nav.querySelectorAll("a[aria-current]"), function (a) { a.removeAttribute("aria-current"); });
        var link = links[entry.target.id];
        if (link) link.setAttribute("aria-current", "location");
      });
    }, { rootMargin: "0px 0px -70% 0px" });
    Object.keys(links).forEach(function (id) {
      var heading = document.getElementById(id);
      if (heading) observer.observe(heading);
    });
  }
  // ---- end of goal pages

  document.addEventListener("DOMContentLoaded", function () {
    setupGoalToc();
    setupVersions();
    var main = document.getElementById("content");
    var label = (main && main.getAttribute("data-filter-label")) || "Filter rows";
    Array.prototype.forEach.call(document.querySelectorAll("main table"), function (table) {
      // A table wider than the screen scrolls sideways: keyboard users must be able to reach and scroll it.
      if (table.scrollWidth > table.clientWidth + 1) {
        table.setAttribute("tabindex", "0");
        var caption = table.caption || table.previousElementSibling;
        table.setAttribute("aria-label", (caption && caption.textContent.trim().slice(0, 80)) || label);
      }
      if (!table.tBodies.length || table.tBodies[0].rows.length < 2) return;
      makeSortable(table);
      if (table.tBodies[0].rows.length > 12) makeFilterable(table, label);
    });
  });
})();

/* ---- Interactive charts (pipelines/site/charts.py): Chart / Table / Download tabs and the Vega charts. ----
   Every <figure class="chart"> carries its compiled Vega specification and locale in data-chart; one local
   script, assets/vega-bundle.js, draws them, loaded only on pages that have charts. Without JavaScript the
   <noscript> drawing shows; if the bundle cannot load or a chart fails, its drawing is shown instead. */
(function () {
  "use strict";

  function setupTabs(figure) {
    var tabs = Array.prototype.slice.call(figure.querySelectorAll('[role="tab"]'));
    function select(tab, focus) {
      tabs.forEach(function (other) {
        var on = other === tab;
        other.setAttribute("aria-selected", on ? "true" : "false");
        other.tabIndex = on ? 0 : -1;
        document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
      });
      if (focus) tab.focus();
    }
    tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () { select(tab, false); });
      tab.addEventListener("keydown", function (event) {
        var next = {ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1}[event.key];
        if (next === undefined) return;
        event.preventDefault();
        select(tabs[(next + tabs.length) % tabs.length], true);
      });
    });
    figure.classList.add("tabs-ready");
  }

  function showFallback(holder) {
    var noscript = holder.parentNode.querySelector("noscript");
    if (noscript && !holder.querySelector("img")) holder.innerHTML = noscript.textContent;
  }

  function tooltipHandler(box) {
    return function (handler, event, item, value) {
      if (value == null || value === "") { box.hidden = true; return; }
      box.textContent = "";
      var entries = typeof value === "object" ? Object.keys(value).map(function (k) { return [k, value[k]]; }) : [["", value]];
      entries.forEach(function (entry) {
        var row = document.createElement("div");
        if (entry[0]) {
          var key = document.createElement("span");
          key.className = "key";
          key.textContent = entry[0] + ": ";
          row.appendChild(key);
        }
        var val = document.createElement("span");
        val.className = "value";
        val.textContent = String(entry[1]);
        row.appendChild(val);
        box.appendChild(row);
      });
      box.hidden = false;
      var bounds = box.parentNode.getBoundingClientRect();
      var x = event.clientX - bounds.left + 12, y = event.clientY - bounds.top + 12;
      box.style.left = Math.max(0, Math.min(x, bounds.width - box.offsetWidth)) + "px";
      box.style.top = y + "px";
    };
  }

  function draw(holder) {
    var payload = JSON.parse(holder.getAttribute("data-chart"));
    var box = document.createElement("div");
    box.className = "chart-tooltip";
    box.setAttribute("role", "tooltip");
    box.hidden = true;
    return window.vegaEmbed(holder, payload.spec, {
      renderer: "svg", actions: false, defaultStyle: false, tooltip: tooltipHandler(box),
      formatLocale: payload.locale.number, timeFormatLocale: payload.locale.time
    }).then(function () {
      holder.appendChild(box);
      holder.addEventListener("mouseleave", function () { box.hidden = true; });
      holder.classList.add("drawn");
    });
  }

  function loadBundle(done, fail) {
    if (window.vegaEmbed) { done(); return; }
    var own = document.querySelector('script[src$="site.js"]');
    var script = document.createElement("script");
    script.src = (own ? own.getAttribute("src").replace(/site\.js$/, "") : "assets/") + "vega-bundle.js";
    script.onload = done;
    script.onerror = fail;
    document.head.appendChild(script);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var figures = document.querySelectorAll("figure.chart");
    if (!figures.length) return;
    Array.prototype.forEach.call(figures, setupTabs);
    var holders = Array.prototype.slice.call(document.querySelectorAll("figure.chart .vega[data-chart]"));
    loadBundle(function () {
      holders.forEach(function (holder) {
        try { draw(holder).catch(function () { showFallback(holder); }); } catch (error) { showFallback(holder); }
      });
    }, function () { holders.forEach(showFallback); });
  });
})();
/* ---- end of interactive charts ---- */
