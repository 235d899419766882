// Map page: the road network as the background (no tile server: the tool works offline), then
// jurisdictions, hazard sites coloured by risk grade, and bases with their teams, with filters. With a
// time chosen, each team's availability then (people on duty, what it can staff against what it
// declares, the rules it falls short of) is shown in the base's details, and a base ringed orange has a
// team below strength, red a team that cannot answer at all.
(function () {
  "use strict";
  const { escape, getJSON } = Planner;
  const el = document.getElementById("map");
  const scenario = el.dataset.scenario;
  const api = (path) => `/api/v1/scenarios/${encodeURIComponent(scenario)}/${path}`;
  const RISK = Planner.RISK;
  const { TIER } = Planner;
  const state = { tiers: new Set(Object.keys(TIER)), types: new Set(), layers: {}, labels: {}, availability: null };

  const { map, renderer } = Planner.createMap(el);


  function details(title, rows, extra) {
    const body = rows.filter(([, v]) => v !== undefined && v !== null && v !== "")
      .map(([k, v]) => `<tr><td>${escape(k)}</td><td>${escape(v)}</td></tr>`).join("");
    document.getElementById("details").innerHTML = `<strong>${escape(title)}</strong><table>${body}</table>${extra || ""}`;
  }

  function roadStyle(feature) {
    const [weight, color] = Planner.roadClass(feature.properties.highway);
    return { weight, color, opacity: 0.9, renderer, interactive: false };
  }

  // The road a point joined: class, OSM way, how far along the edge; "node" on approximate networks.
  function snappedRoad(road) {
    if (!road) return Planner.t("nearest node");
    return `${road.highway || "road"} · way ${road.way_id} · edge ${road.edge_id} · ${Math.round(road.fraction * 100)}% along`;
  }

  function siteLayer(data) {
    return L.geoJSON(data, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { renderer, radius: 6, weight: 1.5, color: "#222",
        fillColor: RISK[f.properties.risk_grade] || "#999", fillOpacity: 0.95 }),
      onEachFeature: (f, layer) => {
        const p = f.properties;
        layer.bindTooltip(`${p.name_zh || ""} ${p.name}`);
        layer.on("click", () => details(`${p.name_zh || ""} ${p.name}`, [
          [Planner.t("Id"), p.id], [Planner.t("Kind"), p.kind_label], [Planner.t("Risk"), p.risk_grade_label],
          [Planner.t("Hazard level"), p.hazard_level ? `${p.hazard_level} ${Planner.t("level")}` : "—"], [Planner.t("Jurisdiction"), p.jurisdiction],
          [Planner.t("Off network"), `${p.off_network_m} m`], [Planner.t("Snapped to"), snappedRoad(p.snap_road)],
          [Planner.t("Illustrative"), p.illustrative ? Planner.t("yes") : Planner.t("no")], [Planner.t("Source"), p.source]]));
      },
    });
  }

  function baseVisible(p) {
    if (!state.tiers.has(p.tier)) return false;
    return p.team_types.length === 0 || p.team_types.some((t) => state.types.has(t));
  }

  function teamState(team) {
    const a = state.availability && state.availability[team.id];
    if (!a) return "";
    if (!a.responds) return "out";
    return Object.entries(a.nominal).some(([c, n]) => (a.capabilities[c] || 0) < n) ? "below" : "";
  }

  function baseState(p) {
    const states = p.teams.map(teamState);
    return states.includes("out") ? "out" : states.includes("below") ? "below" : "";
  }

  function availabilityText(team) {
    const a = state.availability && state.availability[team.id];
    if (!a) return "";
    const caps = Object.keys(a.nominal).filter((c) => c.endsWith("_squad") || (a.capabilities[c] || 0) < a.nominal[c])
      .map((c) => `${escape(Planner.label(state.labels, "capability", c))} ${a.capabilities[c] || 0}/${a.nominal[c]}`).join(", ");
    const flags = a.flags.filter((f) => !["roster", "personnel"].includes(f.rule))
      .map((f) => `<br><span class="hint">[${escape(f.rule)}] ${escape(f.message)}</span>`).join("");
    return `<br><span class="avail ${teamState(team)}">${Planner.t("on duty")} ${a.on_duty === null ? "—" : `${a.on_duty}/${a.people}`}` +
      ` · ${Planner.t("can staff")} ${caps || "—"}${a.met_type ? ` · Type ${a.met_type}` : ""}</span>${flags}`;
  }

  function baseLayer(data) {
    return L.geoJSON(data, {
      filter: (f) => baseVisible(f.properties),
      pointToLayer: (f, latlng) => L.marker(latlng, { icon: L.divIcon({ className: `base-icon ${baseState(f.properties)}`,
        iconSize: [14, 14], html: `<span style="background:${TIER[f.properties.tier] || "#555"}"></span>` }), keyboard: false }),
      onEachFeature: (f, layer) => {
        const p = f.properties;
        layer.bindTooltip(`${p.name_zh || ""} ${p.name}`);
        const teams = p.teams.map((t) => `<tr data-team="${escape(t.id)}"><td>${escape(t.name)}</td><td>${escape(t.team_type_label)}<br>` +
          `${t.members} ${Planner.t("people")} · ${t.squads} ${Planner.t("squads")} · ${Planner.t("turn-out")} ${t.turnout_min} ${Planner.t("min")} · ${escape(t.availability)}${availabilityText(t)}</td></tr>`).join("");
        layer.on("click", () => details(`${p.name_zh || ""} ${p.name}`, [
          [Planner.t("Id"), p.id], [Planner.t("Tier"), p.tier_label], [Planner.t("Operator"), p.operator], [Planner.t("Jurisdiction"), p.jurisdiction],
          [Planner.t("Off network"), `${p.off_network_m} m`], [Planner.t("Snapped to"), snappedRoad(p.snap_road)],
          [Planner.t("Illustrative"), p.illustrative ? Planner.t("yes") : Planner.t("no")]],
          `<p><strong>${Planner.t("Teams")} (${p.teams.length})</strong></p><table>${teams}</table>`));
      },
    });
  }

  function checkbox(container, value, text, color, set, onChange) {
    const label = document.createElement("label");
    const swatch = color ? `<span class="swatch square" style="background:${color}"></span>` : "";
    label.innerHTML = `<input type="checkbox" value="${escape(value)}" checked> ${swatch}${escape(text)}`;
    label.querySelector("input").addEventListener("change", (e) => { e.target.checked ? set.add(value) : set.delete(value); onChange(); });
    container.appendChild(label);
  }

  function redrawBases() {
    if (state.layers.bases) map.removeLayer(state.layers.bases);
    state.layers.bases = baseLayer(state.basesData);
    if (document.querySelector('[data-layer="bases"]').checked) state.layers.bases.addTo(map);
  }

  Promise.all([getJSON("/api/v1/labels"), getJSON(api("roads")), getJSON(api("layers/jurisdictions")),
               getJSON(api("layers/sites")), getJSON(api("layers/bases"))])
    .then(([labels, roads, regions, sites, bases]) => {
      state.labels = labels;
      state.layers.roads = L.geoJSON(roads, { style: roadStyle }).addTo(map);
      state.layers.jurisdictions = L.geoJSON(regions, {
        filter: (f) => f.geometry, style: { renderer, color: "#5d6d7e", weight: 1.2, dashArray: "4 3", fill: true, fillOpacity: 0.03 },
        onEachFeature: (f, layer) => layer.bindTooltip(`${f.properties.name_zh || ""} ${f.properties.name}` +
          (f.properties.approximate ? " (approximate boundary)" : ""), { sticky: true }),
      }).addTo(map);
      state.layers.sites = siteLayer(sites).addTo(map);
      state.basesData = bases;
      const types = new Set(bases.features.flatMap((f) => f.properties.team_types));
      types.forEach((t) => state.types.add(t));
      const tierBox = document.getElementById("tier-filter");
      Object.keys(TIER).forEach((t) => checkbox(tierBox, t, Planner.label(labels, "tier", t), TIER[t], state.tiers, redrawBases));
      const typeBox = document.getElementById("type-filter");
      [...types].sort().forEach((t) => checkbox(typeBox, t, Planner.label(labels, "team_type", t), null, state.types, redrawBases));
      document.getElementById("legend").insertAdjacentHTML("beforeend", Object.entries(RISK).map(([k, c]) =>
        `<label><span class="swatch" style="background:${c}"></span>${escape(Planner.label(labels, "risk_grade", k))}</label>`).join(""));
      redrawBases();
      map.fitBounds(state.layers.roads.getBounds(), { padding: [10, 10] });
      document.getElementById("counts").textContent =
        `${bases.features.length} ${Planner.t("bases")} · ${sites.features.length} ${Planner.t("hazard sites")} · ` +
        `${roads.features.reduce((n, f) => n + f.properties.segments, 0)} ${Planner.t("road segments")}`;
      el.dataset.ready = "true";
      return loadClosureSets();
    })
    .catch((error) => {
      document.getElementById("details").innerHTML = `<p class="flash">${Planner.t("Could not load map data")}: ${escape(error.message)}</p>`;
    });

  function showAvailability() {
    const at = document.getElementById("avail-at").value;
    if (!at) { state.availability = null; document.getElementById("avail-summary").textContent = ""; redrawBases(); return; }
    getJSON(api(`availability?at=${encodeURIComponent(at)}`)).then((report) => {
      state.availability = Object.fromEntries(report.teams.map((t) => [t.id, t]));
      const below = report.teams.filter((t) => t.responds && Object.entries(t.nominal).some(([c, n]) => (t.capabilities[c] || 0) < n));
      const out = report.teams.filter((t) => !t.responds);
      document.getElementById("avail-summary").textContent =
        `${report.at}: ${below.length} ${Planner.t("below strength")} · ${out.length} ${Planner.t("cannot answer")}`;
      el.dataset.availability = report.at;
      redrawBases();
    }).catch((error) => { document.getElementById("avail-summary").textContent = error.message; });
  }
  document.getElementById("avail-show").addEventListener("click", showAvailability);

  // A stored closure set drawn on the map: its areas and lines, and the roads it closes or slows.
  // Asked for once the layers are in: a browser opens at most six connections to a host at once.
  const closures = document.getElementById("map-closures");
  function loadClosureSets() {
    return getJSON(api("road-conditions")).then((data) => {
      data.closure_sets.forEach((set) => {
        const option = document.createElement("option");
        option.value = set.name; option.textContent = set.name; option.title = set.description || "";
        closures.appendChild(option);
      });
      closures.dataset.ready = "true";
    }).catch((error) => { document.getElementById("map-closures-note").textContent = error.message; });
  }
  closures.addEventListener("change", () => {
    const name = closures.value;
    if (state.layers.closures) { map.removeLayer(state.layers.closures); state.layers.closures = null; }
    document.getElementById("map-closures-note").textContent = "";
    el.dataset.closureSet = "";
    if (!name) return;
    getJSON(api(`closures/${encodeURIComponent(name)}/map`)).then((fc) => {
      if (closures.value !== name) return;
      state.layers.closures = L.geoJSON(fc, { style: PlannerRoads.closureStyle(renderer), interactive: false }).addTo(map);
      document.getElementById("map-closures-note").textContent = fc.roads.closures.map((c) =>
        `${c.id}: ${c.edges} × ${c.speed_factor === null ? "0" : c.speed_factor}`).join(" · ");
      el.dataset.closureSet = name;
    }).catch((error) => { document.getElementById("map-closures-note").textContent = error.message; });
  });

  // The view as it is (the layers on, the box in view, the bases the filters keep) drawn on the server as a
  // PNG twice the map's size on screen, or as an A4 PDF page, and downloaded.
  function exportView(format) {
    const status = document.getElementById("export-status");
    const b = map.getBounds();
    const clamp = (v, low, high) => Math.min(high, Math.max(low, v));
    const bbox = [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180),
                  clamp(b.getNorth(), -90, 90)].map((v) => v.toFixed(5)).join(",");
    const layers = [...document.querySelectorAll("[data-layer]")].filter((box) => box.checked).map((box) => box.dataset.layer);
    const size = map.getSize();
    const query = new URLSearchParams({ bbox, layers: layers.join(","), tiers: [...state.tiers].join(","),
      team_types: [...state.types].join(","), width: clamp(size.x * 2, 200, 4000), height: clamp(size.y * 2, 200, 4000) });
    if (closures.value) query.set("closures", closures.value);
    status.textContent = "…";
    fetch(api(`map.${format}?${query}`))
      .then((r) => (r.ok ? r.blob() : Planner.failJSON(r)))
      .then((blob) => {
        const url = URL.createObjectURL(blob);
        Object.assign(document.createElement("a"), { href: url, download: `map-${scenario}.${format}` }).click();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
        status.textContent = "";
      })
      .catch((error) => { status.textContent = error.message; });
  }
  ["export-png", "export-pdf"].forEach((id) => document.getElementById(id).addEventListener("click",
    (event) => exportView(event.target.dataset.format)));

  document.querySelectorAll("[data-layer]").forEach((box) => box.addEventListener("change", () => {
    const layer = state.layers[box.dataset.layer];
    if (layer) box.checked ? layer.addTo(map) : map.removeLayer(layer);
  }));
})();
