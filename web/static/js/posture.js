// Posture page: read a CAP alert (file or pasted) or a warning entered by hand, ask the posture API,
// and draw the warning area, the sites at raised risk, the moves of teams to standby points and the
// coverage of sites before and after (toggle), with the figures of doing nothing, greedy and the optimiser.
// Drive times are taken under the chosen closure set and time band (roads.js; the posture's own clock says
// when it holds); the closures the warnings propose can be stored as a set and applied with one click.
(function () {
  "use strict";
  const { escape, csrf, failJSON, getJSON } = Planner;
  const el = document.getElementById("map");
  const scenario = el.dataset.scenario;
  const api = (path) => `/api/v1/scenarios/${encodeURIComponent(scenario)}/${path}`;
  const COLOR = { pass: "#1a9850", fail: "#d73027" };
  const LEVEL = Planner.RISK;
  const NAMES = { current: Planner.t("current"), do_nothing: Planner.t("do nothing"), greedy: Planner.t("greedy nearest"),
                  optimised: Planner.t("optimised") };
  const state = { report: null, view: "after", layers: {}, last: null };

  const { map, renderer } = Planner.createMap(el);
  // A new closure set or band plans the last warning again under it.
  const roads = PlannerRoads.create({ map, renderer, scenario, container: document.getElementById("roads-panel"),
                                      at: false, onChange: () => { if (state.last) run(state.last); } });

  const $ = (id) => document.getElementById(id);
  const pct = (x) => Planner.percent(x, 1);
  const zone = el.dataset.timezone;  // the scenario's IANA zone: times are entered and shown in it

  // The UTC offset ("+08:00") of the scenario's zone at a moment, from the browser's zone database.
  function offsetAt(date) {
    const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
      .formatToParts(date).find((p) => p.type === "timeZoneName").value;  // "GMT+08:00", or "GMT" for UTC
    return name === "GMT" ? "+00:00" : name.slice(3);
  }
  // A datetime-local value read as wall-clock time in the scenario's zone, as ISO 8601 with its offset.
  function zoned(value) {
    if (!value) return undefined;
    const wall = value.length === 16 ? `${value}:00` : value;
    const first = offsetAt(new Date(`${wall}Z`));
    return wall + offsetAt(new Date(wall + first));  // settles the offset near a daylight-saving change
  }
  // An ISO moment shown in the scenario's zone, labelled: "2026-07-20 06:00 +08:00".
  function shown(iso) {
    if (!iso) return "—";
    const date = new Date(iso);
    const wall = new Intl.DateTimeFormat("sv-SE", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
                                                    hour: "2-digit", minute: "2-digit" }).format(date);
    return `${wall} ${offsetAt(date)}`;
  }

  function clear(name) { if (state.layers[name]) { map.removeLayer(state.layers[name]); delete state.layers[name]; } }

  function siteRows(report) {
    // One marker per site: passes when every standard that applies to it passes.
    const sites = new Map();
    report.sites.forEach((r) => {
      const s = sites.get(r.site) || { site: r.site, name: r.name, name_zh: r.name_zh, lon: r.lon, lat: r.lat,
                                       grade: r.risk_grade, passed: true, failing: [] };
      if (!r.passed) { s.passed = false; s.failing.push(r.standard); }
      sites.set(r.site, s);
    });
    return [...sites.values()];
  }

  function draw() {
    const report = state.report;
    ["area", "sites", "moves"].forEach(clear);
    if (!report) return;
    state.layers.area = L.geoJSON(report.area, { style: (f) => ({ color: LEVEL[f.properties.level] || "#d7191c",
      weight: 2, fillOpacity: 0.12, dashArray: "6 4", interactive: false }) }).addTo(map);
    const raised = new Map(report.site_raises.map((r) => [r.site, r]));
    const group = L.layerGroup();
    siteRows(state.view === "after" ? report.after : report.before).forEach((s) => {
      const up = raised.get(s.site);
      const marker = L.circleMarker([s.lat, s.lon], { renderer, radius: up ? 9 : 6, weight: up ? 4 : 1.5,
        color: up ? "#7b3294" : "#333", fillColor: s.passed ? COLOR.pass : COLOR.fail, fillOpacity: 0.95 });
      marker.feature = { properties: { site: s.site, passed: s.passed, raised: Boolean(up) } };
      marker.bindTooltip(`${escape(s.name_zh)} ${escape(s.name)}${up ? ` · ${up.grade_before}→${up.grade_after}` : ""}` +
                         (s.passed ? " · " + Planner.t("pass") + "" : ` · ${Planner.t("fail")}: ${s.failing.map(escape).join(", ")}`));
      group.addLayer(marker);
    });
    state.layers.sites = group.addTo(map);
    const moves = L.layerGroup();
    report.moves.forEach((m) => {
      moves.addLayer(L.polyline([[m.from_lat, m.from_lon], [m.lat, m.lon]], { color: "#1565c0", weight: 3, dashArray: "4 4" })
        .bindTooltip(`${escape(m.team)}: ${escape(m.from_base)} → ${escape(m.to_name)} (${Planner.number(m.drive_min, 1)} min)`));
      const marker = L.circleMarker([m.lat, m.lon], { radius: 7, color: "#fff", weight: 2, fillColor: "#1565c0", fillOpacity: 1 })
        .bindTooltip(`${Planner.t("standby")}: ${escape(m.to_name)} (${escape(m.to)}) · ${escape(m.team)}`);
      marker.feature = { properties: { move: m.team, to: m.to } };
      moves.addLayer(marker);
    });
    state.layers.moves = moves.addTo(map);
    if (state.layers.area.getBounds().isValid()) map.fitBounds(state.layers.area.getBounds(), { padding: [30, 30], maxZoom: 12 });
    el.dataset.moves = String(report.moves.length);
    el.dataset.raised = String(report.site_raises.length);
  }

  function table(headers, rows) {
    return `<table><thead><tr>${headers.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>` +
      rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("") + "</tbody></table>";
  }

  function showResult() {
    const r = state.report;
    const figures = table([Planner.t("Posture"), Planner.t("Weight"), Planner.t("Share"), Planner.t("Passing"), Planner.t("Moves"), Planner.t("Cost ¥"), Planner.t("s")],
      r.figures.map((f) => [NAMES[f.name] || f.name, Planner.number(f.weight, 0), pct(f.share), `${f.passing}/${f.rows}`, f.moves,
                            Planner.number(f.cost, 0), Planner.number(f.wall_s, 3)]));
    // What each posture is, and why "current" and "do nothing" differ, in the planner's words.
    const meanings = `<dl class="figure-meanings">${r.figures.map((f) =>
      `<dt>${NAMES[f.name] || escape(f.name)}</dt><dd>${escape(f.meaning)}</dd>`).join("")}</dl>`;
    const why = `<div id="figures-why"><p><strong>${Planner.t("Why the figures differ")}</strong></p>${
      r.explanation.map((line) => `<p class="hint">${escape(line)}</p>`).join("")}</div>`;
    const moves = r.moves.length ? table([Planner.t("Team"), Planner.t("From"), Planner.t("To"), Planner.t("Agreement"), "min", "¥"],
      r.moves.map((m) => [escape(m.team), escape(m.from_base), `${escape(m.to_name)}<br><small>${escape(m.to)}</small>`,
                          escape(m.agreement || "—"), Planner.number(m.drive_min, 1), Planner.number(m.cost, 0)]))
      : "<p class=\"hint\">" + Planner.t("No move improves coverage.") + "</p>";
    const raised = table([Planner.t("Site"), Planner.t("Before"), Planner.t("After")],
      r.site_raises.map((s) => [escape(s.name), escape(s.grade_before), `<strong>${escape(s.grade_after)}</strong>`]));
    const full = r.team_raises.filter((t) => t.level_after === "full").length;
    $("result").innerHTML = `
      <fieldset><legend>${Planner.t("Warning")}</legend>${r.warnings.map((w) => `<p><span class="chip level-${escape(w.level)}">${escape(w.level)}</span>
        ${escape(w.event)}<br><small>${escape(shown(w.onset))} — ${escape(shown(w.expires))} (${escape(zone)})</small></p>`).join("")}
        <p class="hint">${Planner.t("Critical periods")}: ${escape(r.periods.join(", ") || Planner.t("none"))} · ${Planner.t("solver")}: ${escape(r.status)}</p></fieldset>
      <fieldset><legend>${Planner.t("Risk-weighted coverage")}</legend>${figures}${meanings}${why}
        <p><label><input type="radio" name="view" value="before"> ${Planner.t("Before")}</label>
           <label><input type="radio" name="view" value="after" checked> ${Planner.t("After")}</label></p></fieldset>
      <fieldset><legend>${Planner.t("Pre-positioning moves")} (${r.moves.length})</legend>${moves}
        <p class="hint">${Planner.t("Ledger for the warning window: ¥")}${Planner.number(r.ledger.total || 0, 2)}</p></fieldset>
      <fieldset><legend>${Planner.t("Sites at raised risk")} (${r.site_raises.length})</legend>${raised}</fieldset>
      <fieldset><legend>${Planner.t("Readiness")}</legend><p>${r.team_raises.length} ${Planner.t("teams raised")}, ${full} ${Planner.t("on full combat readiness.")}</p></fieldset>
      ${proposal(r.proposed_closures)}
      ${r.roads ? `<p class="hint" id="posture-roads">${Planner.t("Roads")}: ${PlannerRoads.describe(r.roads)}</p>` : ""}
      ${r.notes.map((n) => `<p class="hint">${escape(n)}</p>`).join("")}`;
    if ($("apply-proposal")) $("apply-proposal").addEventListener("click", () => {
      $("apply-proposal").disabled = true;
      roads.store(r.proposed_closures).catch(() => { $("apply-proposal").disabled = false; });
    });
    document.querySelectorAll('input[name="view"]').forEach((i) => i.addEventListener("change", () => {
      state.view = i.value; draw();
    }));
  }

  // The closures the warnings propose (road rules), with a button that stores them as a set and applies it.
  function proposal(set) {
    if (!set) return "";
    const rows = table([Planner.t("Area"), Planner.t("Roads")], set.closures.map((c) => [escape(c.label),
      c.speed_factor === null || c.speed_factor === undefined ? Planner.t("closed") : `× ${c.speed_factor}`]));
    return `<fieldset id="proposed-closures"><legend>${Planner.t("Closures the warning proposes")}</legend>${rows}
      <p class="hint">${escape(set.source)}</p>
      <p><button type="button" id="apply-proposal">${Planner.t("Save as %(name)s and apply", { name: escape(set.name) })}</button></p>
      </fieldset>`;
  }

  function run(payload) {
    state.last = payload;
    const body = Object.assign({}, payload, roads.fields());
    $("status").textContent = Planner.t("Planning…");
    const now = zoned($("now").value);
    if (now) body.now = now;
    const moves = $("max-moves").value;
    if (moves !== "") body.max_moves = Number(moves);
    return fetch(api("posture"), { method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
                                   body: JSON.stringify(body) })
      .then((r) => r.ok ? r.json() : failJSON(r))
      .then((report) => {
        state.report = report; state.view = "after";
        $("status").textContent = `${Planner.t("Done")}: ${report.moves.length} ${Planner.t("move(s)")}, ${report.status}`;
        showResult(); draw();
        el.dataset.ready = "posture";
      })
      .catch((error) => {
        $("status").innerHTML = `<span class="met-no">${Planner.t("Refused")}: ${escape(error.message)}</span>`;
        el.dataset.ready = "error";
      });
  }

  $("cap-file").addEventListener("change", () => {
    const file = $("cap-file").files[0];
    if (file) file.text().then((text) => { $("cap-text").value = text; });
  });
  $("run-cap").addEventListener("click", () => {
    const text = $("cap-text").value.trim();
    if (!text) { $("status").textContent = Planner.t("Choose or paste a CAP file first."); return; }
    run({ cap: text });
  });
  $("run-manual").addEventListener("click", () => {
    const region = $("w-region").value;
    if (!region || !$("w-onset").value) { $("status").textContent = Planner.t("Pick a district and an onset."); return; }
    const warning = { id: "manual", event: $("w-event").value, level: $("w-level").value, onset: zoned($("w-onset").value),
                      area: { regions: [region], description: $("w-region").selectedOptions[0].textContent.trim() } };
    if ($("w-expires").value) warning.expires = zoned($("w-expires").value);
    run({ warning });
  });

  roads.load().catch((error) => { $("status").textContent = `${Planner.t("Could not load the road conditions")}: ${error.message}`; });
  Promise.all([getJSON(api("roads")), getJSON(api("posture/staging-points"))])
    .then(([roads, staging]) => {
      state.layers.roads = L.geoJSON(roads, { style: (f) => {
        const [weight, color] = Planner.roadClass(f.properties.highway);
        return { weight, color, opacity: 0.9, renderer, interactive: false };
      } }).addTo(map);
      L.geoJSON(staging, {
        pointToLayer: (f, latlng) => L.circleMarker(latlng, { renderer, radius: 4, weight: 1, color: "#1565c0", fillColor: "#fff", fillOpacity: 1 }),
        onEachFeature: (f, layer) => layer.bindTooltip(`${Planner.t("staging")}: ${escape(f.properties.name_zh)} ${escape(f.properties.name)}`),
      }).addTo(map);
      map.fitBounds(state.layers.roads.getBounds(), { padding: [10, 10] });
      el.dataset.ready = "true";
    })
    .catch((error) => { $("status").textContent = `${Planner.t("Could not load the map")}: ${error.message}`; });
})();
