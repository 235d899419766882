// Coverage page: sites coloured by pass/fail against the selected standard, service areas of its
// teams, the gap list (click to zoom), and what-if controls (close a base, add candidate bases by
// clicking the map, or every town and site; MCLP or the exact p-median) answered by the what-if API
// with before/after.
(function () {
  "use strict";
  const { escape, csrf, failJSON, getJSON } = Planner;
  const el = document.getElementById("map");
  const scenario = el.dataset.scenario;
  const api = (path) => `/api/v1/scenarios/${encodeURIComponent(scenario)}/${path}`;
  const COLOR = { pass: "#1a9850", fail: "#d73027", none: "#444", na: "#bbb" };
  const RISK = Planner.RISK;
  const state = { report: null, result: null, view: "before", labels: {}, layers: {}, markers: {}, closed: new Set(),
                  candidates: [], adding: false, areas: {} };

  const { map, renderer } = Planner.createMap(el);
  const roads = PlannerRoads.create({ map, renderer, scenario, container: document.getElementById("roads-panel"),
                                      onChange: () => reloadReport() });
  const withRoads = (path) => { const q = roads.query(); return q ? `${path}${path.includes("?") ? "&" : "?"}${q}` : path; };

  const $ = (id) => document.getElementById(id);
  const fmt = (m) => (m === null || m === undefined) ? Planner.t("none") : Planner.number(m, 1);
  const pct = (x) => (x === null || x === undefined) ? "—" : `${Math.round(x * 100)}%`;
  const lab = (field, v) => Planner.label(state.labels, field, v);

  function current() { return state.view === "after" && state.result ? state.result.after : state.report; }
  function standardId() { return $("standard").value; }
  function rowsOf(report, sid) { return report.sites.filter((r) => r.standard === sid); }

  function reloadReport() {
    el.dataset.ready = "false";
    return getJSON(api(withRoads("coverage"))).then((report) => {
      state.report = report; state.result = null; state.view = "before"; state.areas = {};
      $("whatif-result").innerHTML = "";
      redraw();
      el.dataset.ready = "true";
      return drawAreas();
    }).catch((error) => { $("roads-applied").innerHTML = `<span class="met-no">${escape(error.message)}</span>`; });
  }

  function siteStatus(row) {
    if (!row) return "na";
    if (row.passed) return "pass";
    return row.first ? "fail" : "none";
  }

  function drawSites() {
    const report = current();
    const sid = standardId();
    const rows = new Map(rowsOf(report, sid).map((r) => [r.site, r]));
    if (state.layers.sites) map.removeLayer(state.layers.sites);
    const group = L.layerGroup();
    state.markers = {};
    const seen = new Set();
    state.report.sites.forEach((r) => {
      if (seen.has(r.site)) return;
      seen.add(r.site);
      const row = rows.get(r.site);
      const status = siteStatus(row);
      const marker = L.circleMarker([r.lat, r.lon], { renderer, radius: status === "na" ? 4 : 7, weight: 2,
        color: RISK[r.risk_grade] || "#222", fillColor: COLOR[status], fillOpacity: 0.95 });
      marker.feature = { properties: { site: r.site, status } };
      marker.bindTooltip(`${r.name_zh || ""} ${r.name} · ${status}`);
      marker.on("click", () => showSite(r.site));
      marker.addTo(group);
      state.markers[r.site] = marker;
    });
    state.layers.sites = group.addTo(map);
    el.dataset.sitesPass = String([...rows.values()].filter((r) => r.passed).length);
    el.dataset.sitesFail = String([...rows.values()].filter((r) => !r.passed).length);
  }

  function showSite(siteId) {
    const rows = current().sites.filter((r) => r.site === siteId);
    if (!rows.length) return;
    const r0 = rows[0];
    const body = rows.map((r) => {
      const tiers = r.fastest_by_tier.map((t) => `${escape(lab("tier", t.tier))}: ${escape(t.team)} ${Planner.number(t.minutes, 1)}`).join("<br>");
      return `<tr><td>${escape(r.standard)} (≤${r.max_min} min)</td><td class="${r.passed ? "met-yes" : "met-no"}">${r.passed ? Planner.t("pass") : Planner.t("fail")}</td>` +
        `<td>1: ${escape(r.first ? r.first.team : "—")} ${r.first ? Planner.number(r.first.minutes, 1) : ""}<br>` +
        `2: ${escape(r.second ? r.second.team : "—")} ${r.second ? Planner.number(r.second.minutes, 1) : ""}` +
        `${r.unavailable_faster.length ? `<br>${Planner.t("unavailable")}: ${escape(r.unavailable_faster.join(", "))}` : ""}</td><td>${tiers}</td></tr>`;
    }).join("");
    $("details").innerHTML = `<strong>${escape(r0.name_zh || "")} ${escape(r0.name)}</strong> · ${escape(lab("risk_grade", r0.risk_grade))}` +
      `<table><tr><th>${Planner.t("Standard")}</th><th></th><th>${Planner.t("Responders (min)")}</th><th>${Planner.t("Fastest per tier")}</th></tr>${body}</table>`;
  }

  function drawTables() {
    const report = current();
    const sid = standardId();
    $("roads-applied").innerHTML = report.roads ? `${Planner.t("Roads")}: ${PlannerRoads.describe(report.roads)}` : "";
    el.dataset.closureSetApplied = report.roads && report.roads.closure_set ? report.roads.closure_set : "";
    const summary = report.standards.find((s) => s.standard === sid);
    $("standard-summary").innerHTML = summary ? `≤${summary.max_min} min · ${summary.tiers.length ? escape(summary.tiers.join(", ")) : Planner.t("any tier")} · ` +
      `${summary.passing}/${summary.sites} ${Planner.t("passing")} (${pct(summary.share)}), ${Planner.t("needed")} ${pct(summary.min_share)} · ` +
      `<span class="${summary.met ? "met-yes" : "met-no"}">${summary.met ? Planner.t("met") : Planner.t("not met")}</span>` : "";
    $("standards-table").querySelector("tbody").innerHTML = report.standards.map((s) =>
      `<tr data-standard="${escape(s.standard)}"><td>${escape(s.standard)}</td><td>${s.max_min}</td><td>${s.passing}/${s.sites} (${pct(s.share)})</td>` +
      `<td>${pct(s.min_share)}</td><td class="${s.met ? "met-yes" : "met-no"}">${s.met ? Planner.t("yes") : Planner.t("no")}</td><td>${pct(s.backup_share)}</td></tr>`).join("");
    const gaps = report.gaps.filter((g) => g.standard === sid);
    $("gap-count").textContent = `(${gaps.length} / ${report.gaps.length})`;
    const tbody = $("gap-table").querySelector("tbody");
    tbody.innerHTML = gaps.map((g) =>
      `<tr data-site="${escape(g.site)}" data-lat="${g.lat}" data-lon="${g.lon}"><td>${escape(g.name_zh || "")} ${escape(g.name)}</td>` +
      `<td><span class="swatch" style="background:${RISK[g.risk_grade]}"></span>${escape(lab("risk_grade", g.risk_grade))}</td>` +
      `<td>${escape(g.first ? g.first.team : (g.unreachable ? Planner.t("unreachable") : "—"))}</td><td>${fmt(g.first ? g.first.minutes : null)}</td>` +
      `<td>${g.shortfall_min === null ? "∞" : Planner.number(g.shortfall_min, 1)}</td><td>${g.backup ? Planner.t("yes") : Planner.t("no")}</td></tr>`).join("")
      || `<tr><td colspan="6">${Planner.t("No gaps for this standard")}</td></tr>`;
    tbody.querySelectorAll("tr[data-site]").forEach((tr) => tr.addEventListener("click", () => {
      tbody.querySelectorAll("tr.selected").forEach((x) => x.classList.remove("selected"));
      tr.classList.add("selected");
      map.setView([Number(tr.dataset.lat), Number(tr.dataset.lon)], Math.max(map.getZoom(), 14), { animate: false });
      const marker = state.markers[tr.dataset.site];
      if (marker) marker.openTooltip();
      showSite(tr.dataset.site);
      el.dataset.zoomedTo = tr.dataset.site;
    }));
  }

  function drawAreas() {
    const sid = standardId();
    if (state.layers.areas) { map.removeLayer(state.layers.areas); state.layers.areas = null; }
    if (!$("show-areas").checked) return Promise.resolve();
    const load = state.areas[sid] ? Promise.resolve(state.areas[sid])
      : getJSON(api(withRoads(`coverage/service-areas?standard=${encodeURIComponent(sid)}`)));
    return load.then((fc) => {
      state.areas[sid] = fc;
      if (sid !== standardId() || !$("show-areas").checked) return;
      if (state.layers.areas) map.removeLayer(state.layers.areas);
      state.layers.areas = L.geoJSON(fc, { style: { renderer, color: "#3949ab", weight: 1, fillColor: "#5c6bc0", fillOpacity: 0.15 },
        interactive: false }).addTo(map);
      state.layers.areas.bringToBack();
      if (state.layers.roads) state.layers.roads.bringToBack();
      el.dataset.areas = String(fc.features.length);
    }).catch((error) => { $("standard-summary").insertAdjacentHTML("beforeend", `<br><span class="met-no">${escape(error.message)}</span>`); });
  }

  function redraw() { drawSites(); drawTables(); }

  // ---- what-if -------------------------------------------------------------------------------
  function drawWhatIfInputs() {
    $("closed-list").innerHTML = [...state.closed].map((b) => `<span class="chip">${Planner.t("closed")} ${escape(b)} <a href="#" data-open="${escape(b)}">×</a></span>`).join("");
    $("closed-list").querySelectorAll("[data-open]").forEach((a) => a.addEventListener("click", (e) => {
      e.preventDefault(); state.closed.delete(a.dataset.open); drawWhatIfInputs();
    }));
    $("candidate-list").innerHTML = state.candidates.map((c) => `<span class="chip">${escape(c.id)} ${Planner.number(c.lon, 4, { grouping: false })}, ${Planner.number(c.lat, 4, { grouping: false })}</span>`).join("");
  }

  $("close-base").addEventListener("change", (e) => {
    if (e.target.value) state.closed.add(e.target.value);
    e.target.value = "";
    drawWhatIfInputs();
  });

  $("add-mode").addEventListener("click", () => {
    state.adding = !state.adding;
    document.body.classList.toggle("adding", state.adding);
    $("add-mode").textContent = state.adding ? Planner.t("Done adding") : Planner.t("Add candidate bases on the map");
  });

  function addCandidate(lon, lat) {
    const c = { id: `c${state.candidates.length + 1}`, lon, lat };
    state.candidates.push(c);
    c.marker = L.marker([lat, lon], { title: c.id }).bindTooltip(`${Planner.t("candidate")} ${c.id}`).addTo(map);
    drawWhatIfInputs();
  }
  map.on("click", (e) => {
    if (state.adding) addCandidate(e.latlng.lng, e.latlng.lat);
  });
  // A candidate base pasted from Amap or Baidu, converted to WGS-84 by the server first.
  Planner.pastePoint($("paste-point"), (lon, lat) => { addCandidate(lon, lat); map.panTo([lat, lon]); });

  $("standard").addEventListener("change", () => {
    const s = state.report.standards.find((x) => x.standard === standardId());
    if (s) $("team-type").value = s.capability;
    redraw(); drawAreas();
  });
  $("show-areas").addEventListener("change", drawAreas);

  function showResult(result) {
    const changes = result.standards.map((c) => {
      const cls = c.passing_after > c.passing_before ? "changed" : (c.passing_after < c.passing_before ? "worse" : "");
      return `<tr class="${cls}"><td>${escape(c.standard)}</td><td>${c.passing_before} → ${c.passing_after} / ${c.sites}</td>` +
        `<td>${pct(c.share_before)} → ${pct(c.share_after)}</td><td>${c.met_before ? Planner.t("yes") : Planner.t("no")} → ${c.met_after ? Planner.t("yes") : Planner.t("no")}</td></tr>`;
    }).join("");
    const list = (rows) => rows.map((r) => `${escape(r.site)} (${escape(r.standard)}: ${fmt(r.minutes_before)} → ${fmt(r.minutes_after)})`).join("<br>") || "—";
    const sel = result.selection ? `<p>${Planner.t("Model")} ${escape(result.selection.model)}: <strong>${escape(result.selection.status)}</strong>, ` +
      `${Planner.t("chosen")} ${escape(result.selection.chosen.join(", "))}, ${Planner.t("objective %(value)s (before %(before)s)", { value: result.selection.objective, before: result.selection.objective_before })}</p>` : "";
    $("whatif-result").innerHTML = `<p>${result.changes.map(escape).join("<br>")}</p>${sel}` +
      `<p><label><input type="radio" name="view" value="before"> ${Planner.t("Before")}</label> <label><input type="radio" name="view" value="after" checked> ${Planner.t("After")}</label></p>` +
      `<table id="whatif-table"><thead><tr><th>${Planner.t("Standard")}</th><th>${Planner.t("Passing")}</th><th>${Planner.t("Share")}</th><th>${Planner.t("Met")}</th></tr></thead><tbody>${changes}</tbody></table>` +
      `<p>${Planner.t("Gaps")}: <strong id="gaps-before">${result.gaps_before}</strong> → <strong id="gaps-after">${result.gaps_after}</strong></p>` +
      `<p><strong>${Planner.t("Newly passing")} (${result.newly_passing.length})</strong><br>${list(result.newly_passing)}</p>` +
      `<p><strong>${Planner.t("Newly failing")} (${result.newly_failing.length})</strong><br>${list(result.newly_failing)}</p>`;
    $("whatif-result").querySelectorAll('input[name="view"]').forEach((r) => r.addEventListener("change", () => { state.view = r.value; redraw(); }));
    if (state.layers.added) map.removeLayer(state.layers.added);
    state.layers.added = L.layerGroup(result.added_bases.map((b) => L.circleMarker([b.lat, b.lon], { renderer, radius: 9, weight: 3,
      color: "#000", fillColor: "#ffd600", fillOpacity: 1 }).bindTooltip(`${Planner.t("new base")} ${b.id} (${b.team})`))).addTo(map);
  }

  $("run-whatif").addEventListener("click", () => {
    const body = Object.assign({ close_bases: [...state.closed] }, roads.fields());
    const everyTownAndSite = $("every-town-and-site").checked;
    if (state.candidates.length || everyTownAndSite) {
      body.add = { k: Number($("add-k").value) || 1, team_type: $("team-type").value,
                   turnout_min: Number($("turnout").value) || 0, tier: $("tier").value, model: $("siting").value };
      if (everyTownAndSite) {
        body.add.every_town_and_site = true;
      } else {
        body.add.k = Math.min(body.add.k, state.candidates.length);
        body.add.candidates = state.candidates.map((c) => ({ id: c.id, lon: c.lon, lat: c.lat }));
      }
    }
    if (!body.close_bases.length && !body.add) {
      $("whatif-result").innerHTML = `<p class="met-no">${Planner.t("Close a base or add candidates first.")}</p>`;
      return;
    }
    $("whatif-result").innerHTML = `<p class="hint">${Planner.t("Computing…")}</p>`;
    fetch(api("coverage/whatif"), { method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
                                    body: JSON.stringify(body) })
      .then((r) => r.ok ? r.json() : failJSON(r))
      .then((result) => { state.result = result; state.view = "after"; showResult(result); redraw(); el.dataset.whatif = "done"; })
      .catch((error) => { $("whatif-result").innerHTML = `<p class="met-no">${escape(error.message)}</p>`; el.dataset.whatif = "error"; });
  });

  $("reset-whatif").addEventListener("click", () => {
    state.closed.clear();
    state.candidates.forEach((c) => map.removeLayer(c.marker));
    state.candidates = [];
    state.result = null; state.view = "before";
    if (state.layers.added) map.removeLayer(state.layers.added);
    $("whatif-result").innerHTML = "";
    drawWhatIfInputs(); redraw();
  });

  // ---- load ----------------------------------------------------------------------------------
  // ---- multi-break service areas ------------------------------------------------------------
  const BREAK_COLOURS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027", "#a50026", "#762a83", "#40004b"];
  $("draw-breaks").addEventListener("click", () => {
    const base = $("areas-base").value;
    const path = `coverage/service-areas/breaks?team_type=${encodeURIComponent($("areas-team-type").value)}` +
      `&breaks=${encodeURIComponent($("areas-breaks").value)}${base ? `&bases=${encodeURIComponent(base)}` : ""}`;
    $("breaks-status").textContent = Planner.t("Computing…");
    getJSON(api(withRoads(path))).then((fc) => {
      if (state.layers.breaks) map.removeLayer(state.layers.breaks);
      const order = [...fc.breaks].sort((a, b) => a - b);
      state.layers.breaks = L.geoJSON({ type: "FeatureCollection", features: fc.features.filter((f) => f.geometry) }, {
        style: (f) => { const c = BREAK_COLOURS[order.indexOf(f.properties.minutes)] || "#555";
                        return { renderer, color: c, weight: 1, fillColor: c, fillOpacity: 0.25 }; },
        onEachFeature: (f, layer) => layer.bindTooltip(`${escape(f.properties.base)} · ${f.properties.minutes} min`),
      }).addTo(map);
      state.breaks = fc;
      $("export-breaks").disabled = false;
      $("breaks-status").innerHTML = order.map((m, k) => `<span class="swatch" style="background:${BREAK_COLOURS[k]}"></span>${m} min`).join(" ") +
        (fc.roads ? `<br>${PlannerRoads.describe(fc.roads)}` : "");
      el.dataset.breaks = String(fc.features.length);
    }).catch((error) => { $("breaks-status").innerHTML = `<span class="met-no">${escape(error.message)}</span>`; });
  });
  $("export-breaks").addEventListener("click", () => {
    if (!state.breaks) return;
    const blob = new Blob([JSON.stringify(state.breaks)], { type: "application/geo+json" });
    const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob),
      download: `${scenario}-${$("areas-team-type").value}-service-areas.geojson` });
    link.click();
    URL.revokeObjectURL(link.href);
  });
  $("clear-breaks").addEventListener("click", () => {
    if (state.layers.breaks) map.removeLayer(state.layers.breaks);
    state.layers.breaks = null; state.breaks = null; $("export-breaks").disabled = true; $("breaks-status").textContent = "";
  });

  $("compare-bands").addEventListener("click", () => {
    const closures = roads.fields().closures;
    const q = typeof closures === "string" ? `closures=${encodeURIComponent(closures)}&` : "";
    const bands = [{ id: "", label: Planner.t("free flow") }, ...roads.bands()];
    $("band-comparison").innerHTML = `<p class="hint">${Planner.t("Computing…")}</p>`;
    Promise.all(bands.map((b) => getJSON(api(`coverage${b.id ? `?${q}band=${encodeURIComponent(b.id)}` : (q ? `?${q.slice(0, -1)}` : "")}`))))
      .then((reports) => {
        const head = bands.map((b) => `<th>${escape(b.label || b.id)}</th>`).join("");
        const rows = reports[0].standards.map((s, k) => `<tr><td>${escape(s.standard)}</td>` + reports.map((r) => {
          const x = r.standards[k];
          return `<td class="${x.met ? "met-yes" : "met-no"}">${x.passing}/${x.sites}</td>`;
        }).join("") + "</tr>").join("");
        $("band-comparison").innerHTML = `<table id="band-table"><thead><tr><th>${Planner.t("Standard")}</th>${head}</tr></thead><tbody>${rows}</tbody></table>`;
        el.dataset.bandsCompared = String(bands.length);
      })
      .catch((error) => { $("band-comparison").innerHTML = `<p class="met-no">${escape(error.message)}</p>`; });
  });

  Promise.all([getJSON("/api/v1/labels"), getJSON(api("roads")), getJSON(api("coverage")), getJSON(api("layers/bases")),
               roads.load()])
    .then(([labels, network, report, bases]) => {
      state.labels = labels;
      state.report = report;
      state.layers.roads = L.geoJSON(network, { style: (f) => {
        const [weight, color] = Planner.roadClass(f.properties.highway);
        return { weight, color, opacity: 0.9, renderer, interactive: false };
      } }).addTo(map);
      state.layers.bases = L.geoJSON(bases, {
        pointToLayer: (f, latlng) => L.circleMarker(latlng, { renderer, radius: 5, weight: 1, color: "#fff", fillColor: "#37474f", fillOpacity: 1 }),
        onEachFeature: (f, layer) => layer.bindTooltip(`${f.properties.name_zh || ""} ${f.properties.name} (${f.properties.id})`),
      }).addTo(map);
      const s = report.standards.find((x) => x.standard === standardId());
      if (s) $("team-type").value = s.capability;
      redraw();
      map.fitBounds(state.layers.roads.getBounds(), { padding: [10, 10] });
      el.dataset.ready = "true";
      return drawAreas();
    })
    .catch((error) => {
      $("details").innerHTML = `<p class="flash">${Planner.t("Could not load coverage")}: ${escape(error.message)}</p>`;
    });
})();
