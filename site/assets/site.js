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
