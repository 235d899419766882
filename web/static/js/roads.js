// Roads on the day, shared by the Coverage, Dispatch and Posture pages (the Map page draws a stored set with
// closureStyle): a closure-set picker, drawing a
// closure area on the map (click the corners, then Finish), saving it as a named set, and the time (a band
// or, unless `at: false`, a moment) the travel times are taken at. The chosen closures are drawn on the map
// (areas, closed roads in red, slowed ones in orange); fields() gives the road fields of an API request;
// store(set) stores a whole closure set (a warning's proposal) and applies it.
window.PlannerRoads = (function () {
  "use strict";
  const { escape, csrf, failJSON, getJSON } = Planner;

  function create({ map, renderer, scenario, container, onChange, at = true }) {
    const api = (path) => `/api/v1/scenarios/${encodeURIComponent(scenario)}/${path}`;
    const state = { sets: [], bands: [], version: null, drawing: false, vertices: [], drawn: null, layer: null,
                    sketch: null };
    const namePlaceholder = Planner.t("name, e.g. flood-north");  // outside the template: the extractor misses ="${...}"
    container.innerHTML = `
      <legend>${Planner.t("Roads on the day")}</legend>
      <label>${Planner.t("Closure set")} <select id="closure-set"><option value="">— ${Planner.t("none")} —</option></select></label>
      <p><button type="button" id="draw-closure">${Planner.t("Draw a closed area")}</button>
         <button type="button" id="finish-closure" disabled>${Planner.t("Finish")}</button>
         <button type="button" id="clear-closure">${Planner.t("Clear")}</button></p>
      <p><input id="closure-name" placeholder="${escape(namePlaceholder)}" size="16">
         <button type="button" id="save-closure" disabled>${Planner.t("Save as set")}</button></p>
      <label>${Planner.t("Time band")} <select id="time-band"><option value="">${Planner.t("free flow")}</option></select></label>
      ${at ? `<label>${Planner.t("or at")} <input type="datetime-local" id="road-at"></label>` : ""}
      <p id="roads-status" class="hint"></p>`;
    const $ = (id) => container.querySelector(`#${id}`);

    function status(text, bad) { $("roads-status").innerHTML = bad ? `<span class="met-no">${escape(text)}</span>` : escape(text); }

    function fields() {
      const out = {};
      if (state.drawn) out.closures = state.drawn;
      else if ($("closure-set").value) out.closures = $("closure-set").value;
      if (at && $("road-at").value) out.at = $("road-at").value;
      else if ($("time-band").value) out.band = $("time-band").value;
      return out;
    }

    function query() {
      const f = fields();
      const parts = [];
      if (f.closures) {
        parts.push(`closures=${encodeURIComponent(typeof f.closures === "string" ? f.closures : JSON.stringify(f.closures))}`);
      }
      if (f.at) parts.push(`at=${encodeURIComponent(f.at)}`);
      if (f.band) parts.push(`band=${encodeURIComponent(f.band)}`);
      return parts.join("&");
    }

    function draw() {
      if (state.layer) { map.removeLayer(state.layer); state.layer = null; }
      const style = closureStyle(renderer);
      if (state.drawn) {
        state.layer = L.geoJSON({ type: "Feature", geometry: state.drawn, properties: { role: "closure" } },
                                { style, interactive: false }).addTo(map);
        map.getContainer().dataset.closureDrawn = "true";
        return Promise.resolve();
      }
      const name = $("closure-set").value;
      map.getContainer().dataset.closureDrawn = "";
      if (!name) return Promise.resolve();
      return getJSON(api(`closures/${encodeURIComponent(name)}/map`)).then((fc) => {
        if ($("closure-set").value !== name || state.drawn) return;
        state.layer = L.geoJSON(fc, { style, interactive: false }).addTo(map);
        map.getContainer().dataset.closureSet = name;
        status(fc.roads.closures.map((c) => `${c.id}: ${c.edges} ${c.speed_factor === null ? Planner.t("closed") : `× ${c.speed_factor}`}`).join(" · "));
      }).catch((error) => status(error.message, true));
    }

    function changed() { draw(); onChange(); }

    function sketch() {
      if (state.sketch) map.removeLayer(state.sketch);
      state.sketch = state.vertices.length ? L.polyline(state.vertices, { renderer, color: "#c62828", weight: 2 }).addTo(map) : null;
      $("finish-closure").disabled = state.vertices.length < 3;
    }

    map.on("click", (e) => {
      if (!state.drawing) return;
      state.vertices.push([e.latlng.lat, e.latlng.lng]);
      sketch();
    });

    $("draw-closure").addEventListener("click", () => {
      state.drawing = true; state.vertices = []; state.drawn = null; sketch();
      map.getContainer().classList.add("drawing");
      status(Planner.t("Click the map to place the area's corners, then Finish."));
    });
    $("finish-closure").addEventListener("click", () => {
      const ring = state.vertices.map(([lat, lon]) => [lon, lat]);
      ring.push(ring[0]);
      state.drawn = { type: "Polygon", coordinates: [ring] };
      state.drawing = false; state.vertices = []; sketch();
      map.getContainer().classList.remove("drawing");
      $("save-closure").disabled = false;
      status(Planner.t("Drawn area applied (not stored)."));
      changed();
    });
    $("clear-closure").addEventListener("click", () => {
      state.drawing = false; state.vertices = []; state.drawn = null; sketch();
      $("closure-set").value = ""; $("save-closure").disabled = true; status("");
      changed();
    });
    // Store a closure set under its name (the closures document's version read last), select and apply it.
    function store(set) {
      return fetch(api(`closures/${encodeURIComponent(set.name)}`), {
        method: "PUT", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ closures: set.closures, description: set.description || "", source: set.source || "",
                               expected_version: state.version }) })
        .then((r) => (r.ok ? r.json() : failJSON(r)))
        .then(() => load(set.name))
        .then(() => { state.drawn = null; $("save-closure").disabled = true; status(`${Planner.t("Saved as")} ${set.name}`); changed(); })
        .catch((error) => { status(error.message, true); throw error; });
    }

    $("save-closure").addEventListener("click", () => {
      const name = $("closure-name").value.trim();
      if (!state.drawn || !name) { status(Planner.t("Draw an area and name it first."), true); return; }
      store({ name, description: "drawn on the map",
              closures: [{ id: "area-1", label: "drawn on the map", geometry: state.drawn }] }).catch(() => {});
    });
    $("closure-set").addEventListener("change", () => { state.drawn = null; changed(); });
    $("time-band").addEventListener("change", () => { if (at) $("road-at").value = ""; onChange(); });
    if (at) $("road-at").addEventListener("change", () => { $("time-band").value = ""; onChange(); });

    function load(select) {
      return getJSON(api("road-conditions")).then((data) => {
        state.sets = data.closure_sets; state.bands = data.bands; state.version = data.closures_version;
        $("closure-set").innerHTML = `<option value="">— ${Planner.t("none")} —</option>` + data.closure_sets.map((s) =>
          `<option value="${escape(s.name)}" title="${escape(s.description)}">${escape(s.name)}</option>`).join("");
        $("time-band").innerHTML = `<option value="">${Planner.t("free flow")}</option>` + data.bands.map((b) =>
          `<option value="${escape(b.id)}">${escape(b.label || b.id)}</option>`).join("");
        if (select) $("closure-set").value = select;
        container.dataset.ready = "true";
        return data;
      });
    }

    return { fields, query, load, store, bands: () => state.bands, isDrawing: () => state.drawing };
  }

  // The style of a closure set's map (closures/<set>/map): closed roads red, slowed ones orange, areas dashed.
  function closureStyle(renderer) {
    return (f) => {
      const role = f.properties.role;
      if (role === "closed") return { renderer, color: "#c62828", weight: 5, opacity: 0.9 };
      if (role === "slowed") return { renderer, color: "#ef6c00", weight: 5, opacity: 0.8 };
      return { renderer, color: "#c62828", weight: 2, dashArray: "6 4", fillColor: "#e57373", fillOpacity: 0.2 };
    };
  }

  // One line saying which closures and band a result was computed under (or nothing).
  function describe(roads) {
    if (!roads) return "";
    const parts = [];
    if (roads.closure_set) {
      parts.push(`${Planner.t("closures")} ${escape(roads.closure_set)}: ` + roads.closures.map((c) =>
        `${escape(c.id)} (${c.edges} ${c.speed_factor === null ? "closed" : `× ${c.speed_factor}`})`).join(", "));
    }
    if (roads.band) parts.push(`${Planner.t("band")} ${escape(roads.band_label || roads.band)}`);
    else if (roads.at) parts.push(`${escape(roads.at)}: ${Planner.t("free flow")}`);
    return parts.join(" · ");
  }

  return { create, describe, closureStyle };
})();
