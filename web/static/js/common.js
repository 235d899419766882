// Shared by the page scripts: HTML escaping, JSON calls that surface the API's error body, the CSRF
// token, the Leaflet map set-up (no tile server: pages draw the road network themselves) and the
// colours of risk grades, tiers and road classes, so every page shows them alike.
window.Planner = (function () {
  "use strict";
  // The colours of risk grades and tiers are the server's (planner.scenario.mapview.colours: the printed map's
  // too), in the page's <script type="application/json" id="colours">, as ordered [code, colour] pairs.
  const COLOURS = JSON.parse((document.getElementById("colours") || {}).textContent || "{}");
  const RISK = Object.fromEntries(COLOURS.risk_grade || []);
  const TIER = Object.fromEntries(COLOURS.tier || []);
  const ROAD = { motorway: [3, "#b85c38"], trunk: [2.6, "#c97b46"], primary: [2.2, "#d49a5b"], secondary: [1.7, "#b7a58b"],
                 tertiary: [1.3, "#a9a9a9"], regional: [1.5, "#9a8f7f"] };
  const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  const escape = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c]);
  const csrf = () => { const m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ""; };
  // Reject with an Error carrying the API's message, and the field and status it names.
  const failJSON = (r) => r.json().then(
    (b) => Promise.reject(Object.assign(new Error(b.error ? b.error.message : r.statusText),
                                        { field: b.error ? b.error.field : null, status: r.status })),
    () => Promise.reject(Object.assign(new Error(r.statusText), { status: r.status })));
  const getJSON = (url) => fetch(url).then((r) => (r.ok ? r.json() : failJSON(r)));

  // [weight, colour] of an OSM road class (links drawn like their road).
  const roadClass = (highway) => ROAD[String(highway).replace("_link", "")] || [0.8, "#c8c8c8"];

  // A Leaflet map on `el` with a canvas renderer, the scenario's attribution and a scale bar.
  function createMap(el, options) {
    const map = L.map(el, Object.assign({ preferCanvas: true, zoomSnap: 0.25 }, options || {}));
    el.leafletMap = map; // lets other page scripts (and browser tests) find the map
    const renderer = L.canvas({ padding: 0.3 });
    map.attributionControl.setPrefix(false);
    if (el.dataset.attribution) map.attributionControl.addAttribution(el.dataset.attribution);
    L.control.scale({ imperial: false }).addTo(map);
    return { map, renderer };
  }

  // The label of a coded value in the page's language, from GET /api/v1/labels (the one label table):
  // [Chinese, English] per value; the value itself when it has none.
  const english = () => document.documentElement.lang === "en";
  const label = (labels, field, value) => {
    const pair = labels && labels[field] && labels[field][value];
    return pair ? pair[english() ? 1 : 0] : String(value ?? "");
  };

  // A number for the page in its language (Intl.NumberFormat: grouping and decimal signs as the language writes
  // them) with exactly `digits` decimals; "—" when there is none. Coordinates pass { grouping: false }. Values
  // a page keeps or sends (inputs, data attributes, API bodies) stay plain numbers, never through this.
  const formats = {};
  const number = (x, digits = 1, { grouping = true } = {}) => {
    if (x === null || x === undefined || x === "" || !Number.isFinite(Number(x))) return "—";
    const key = `${digits}:${grouping}`;
    formats[key] = formats[key] || new Intl.NumberFormat(english() ? "en" : "zh-CN",
      { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: grouping });
    return formats[key].format(Number(x));
  };
  // A share (0.123) as a percentage ("12.3%") in the page's language; "—" when there is none.
  const percent = (share, digits = 1) =>
    (share === null || share === undefined || !Number.isFinite(Number(share))) ? "—" : `${number(100 * share, digits)}%`;

  // A script's page text in the page's language: Planner.t("English text") gives the catalogs' translation,
  // which the page carries in <script type="application/json" id="messages"> (web.i18n.script_messages: every
  // Planner.t message of these scripts); the English text itself when the page has none. Values fill the
  // text's %(name)s places, as in the templates: Planner.t("%(n)s runs", { n: 500 }).
  let messages = null;
  const t = (english, values) => {
    if (messages === null) {
      const source = document.getElementById("messages");
      messages = source ? JSON.parse(source.textContent) : {};
    }
    const text = messages[english] || english;
    return values ? text.replace(/%\((\w+)\)s/g, (place, name) => String(values[name] ?? place)) : text;
  };

  // The paste box of templates/_paste_point.html: "lon,lat" copied from Amap, Tencent or Baidu maps (commas,
  // spaces or a Chinese comma between), converted to WGS-84 by the server (GET /api/v1/points/wgs84), then
  // handed to onPoint(lon, lat). Its button or Enter in its field uses the point; a bad entry or the server's
  // refusal shows in the box, never submits an enclosing form.
  function pastePoint(box, onPoint) {
    const field = box.querySelector("input");
    const error = box.querySelector("[role=alert]");
    const use = () => {
      const parts = field.value.split(/[,\s，]+/).filter(Boolean).map(Number);
      error.textContent = "";
      if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n))) {
        error.textContent = box.dataset.bad;
        return;
      }
      const crs = box.querySelector("select").value;
      getJSON(`/api/v1/points/wgs84?lon=${parts[0]}&lat=${parts[1]}&crs=${encodeURIComponent(crs)}`)
        .then((p) => onPoint(p.lon, p.lat))
        .catch((err) => { error.textContent = err.message; });
    };
    box.querySelector("button").addEventListener("click", use);
    field.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); use(); }
    });
  }

  return { RISK, TIER, ROAD, escape, csrf, failJSON, getJSON, roadClass, createMap, label, number, percent, t, pastePoint };
})();

// Behaviour the templates ask for by attribute, as the Content Security Policy allows no inline script or
// handler: a <select data-submit> submits its form when it changes; a <form data-confirm="question"> asks
// before it submits; a <button data-menu-toggle aria-controls="id"> folds the menu open and shut (narrow screens).
document.addEventListener("change", (e) => {
  if (e.target.matches("select[data-submit]")) e.target.form.submit();
});
document.addEventListener("click", (e) => {
  const toggle = e.target.closest("[data-menu-toggle]");
  if (!toggle) return;
  const menu = document.getElementById(toggle.getAttribute("aria-controls"));
  const open = menu.classList.toggle("open");
  toggle.setAttribute("aria-expanded", String(open));
});
// A paste box with data-fill-form (a record form's place) puts the converted WGS-84 point into the form's lon
// and lat fields and sets its crs field to wgs84.
document.querySelectorAll(".paste-point[data-fill-form]").forEach((box) => {
  const form = box.closest("form");
  Planner.pastePoint(box, (lon, lat) => {
    form.elements.lon.value = lon.toFixed(7);
    form.elements.lat.value = lat.toFixed(7);
    if (form.elements.crs) form.elements.crs.value = "wgs84";
  });
});
document.addEventListener("submit", (e) => {
  const question = e.target.dataset.confirm;
  if (question && !window.confirm(question)) e.preventDefault();
});
