// Dispatch tester: incidents placed by clicking the map (numbered, draggable), each with a template
// type, editable requirements, priority, duration and the responsible unit; Run posts them to the
// dispatch API and draws the units' routes along the road network, the arrival minutes, borrowed
// units (dashed), the shortfall, optimiser vs greedy and the compensation ledger (CSV download). With a
// time, the plan counts what each team's people on duty can staff then: each unit shows the people and
// certificates it brings, and the teams held back below strength are listed with the rule and its source;
// reserve materials drawn from depots (arrival by the last depot, cost) have their own table.
// The input is kept in sessionStorage per scenario, so a reload or an API error never loses it.
(function () {
  "use strict";
  const { escape, csrf, failJSON, getJSON } = Planner;
  const el = document.getElementById("map");
  const scenario = el.dataset.scenario;
  const canRun = el.dataset.canRun === "true";
  const api = (path) => `/api/v1/scenarios/${encodeURIComponent(scenario)}/${path}`;
  const STORE_KEY = `dispatch:${scenario}`;
  const PALETTE = ["#1565c0", "#2e7d32", "#ad1457", "#00838f", "#6d4c41", "#283593", "#558b2f", "#c62828"];
  const LENT = "#8e24aa";
  const LEDGER_COLUMNS = ["mission", "unit", "lender", "payer", "line", "item", "quantity", "rate", "days", "amount"];

  const $ = (id) => document.getElementById(id);
  const num = (x, digits = 1) => Planner.number(x, digits);
  const money = (x) => Planner.number(x || 0, 2);

  const { map, renderer } = Planner.createMap(el);
  // The roads panel has no moment of its own: "Availability at" below is also the moment whose time band applies.
  const roads = PlannerRoads.create({ map, renderer, scenario, container: document.getElementById("roads-panel"),
                                      at: false, onChange: () => changed() });

  // ---- state, kept in sessionStorage ----------------------------------------------------------
  const state = load();
  const markers = {};          // incident id -> Leaflet marker
  let resultLayer = null;
  let types = [];              // incident templates from the API
  let errors = {};             // incident index -> {message, field}
  let labels = null;           // the one label table (GET /api/v1/labels): capabilities shown by name
  const capability = (code) => Planner.label(labels, "capability", code);

  function load() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
      if (saved && Array.isArray(saved.incidents)) return { nextId: 1, timeLimit: 10, at: "", result: null, stale: false, ...saved };
    } catch (e) { /* a damaged entry starts afresh */ }
    return { incidents: [], nextId: 1, timeLimit: 10, at: "", result: null, stale: false };
  }

  function save() {
    try { sessionStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch (e) {
      // quota: keep the input, drop the last result
      const { result, ...input } = state;
      sessionStorage.setItem(STORE_KEY, JSON.stringify({ ...input, result: null }));
    }
  }

  function changed() {
    if (state.result) state.stale = true;
    save();
    showStale();
  }

  function showStale() {
    const note = $("stale-note");
    if (note) note.hidden = !state.stale;
  }

  // ---- incidents on the map -------------------------------------------------------------------
  function colour(index) { return PALETTE[index % PALETTE.length]; }

  function incidentIcon(index, short) {
    return L.divIcon({ className: `incident-icon${short ? " short" : ""}`, iconSize: [26, 26], iconAnchor: [13, 13],
                       html: `<span style="background:${colour(index)}">${index + 1}</span>` });
  }

  function shortOf(id) {
    return state.result && !state.stale ? state.result.optimal.shortfall.some((s) => s.incident === id) : false;
  }

  function drawMarkers() {
    Object.values(markers).forEach((m) => map.removeLayer(m));
    Object.keys(markers).forEach((k) => delete markers[k]);
    state.incidents.forEach((inc, index) => {
      const marker = L.marker([inc.lat, inc.lon], { draggable: true, icon: incidentIcon(index, shortOf(inc.id)), title: inc.id,
                                                     zIndexOffset: 1000 });
      marker.bindTooltip(`#${index + 1} ${inc.id} ${typeName(inc.type)}`);
      marker.on("dragend", () => {
        const p = marker.getLatLng();
        inc.lon = Number(p.lng.toFixed(6)); inc.lat = Number(p.lat.toFixed(6));
        delete errors[index];
        changed(); drawList();
      });
      marker.on("click", () => {
        const card = document.querySelector(`.incident-card[data-index="${index}"]`);
        if (card) card.scrollIntoView({ block: "nearest" });
      });
      marker.addTo(map);
      markers[inc.id] = marker;
    });
    el.dataset.incidents = String(state.incidents.length);
  }

  function addIncident(lon, lat) {
    const id = `I${state.nextId++}`;
    state.incidents.push({ id, lon: Number(lon.toFixed(6)), lat: Number(lat.toFixed(6)), type: "",
                           priority: 1, duration_h: 12, responsible_unit: "", responsible_can_pay: true, requirements: [] });
    changed(); drawMarkers(); drawList();
  }
  map.on("click", (e) => {
    if (roads.isDrawing()) return;  // the click is a corner of a closure area
    addIncident(e.latlng.lng, e.latlng.lat);
  });

  // A point pasted from Amap or Baidu, converted to WGS-84 by the server first.
  Planner.pastePoint(document.getElementById("paste-point"), (lon, lat) => { addIncident(lon, lat); map.panTo([lat, lon]); });

  // ---- incident cards -------------------------------------------------------------------------
  function typeName(id) {
    const type = types.find((x) => x.id === id);
    if (!type) return id || "";
    return document.documentElement.lang === "en" ? type.name : (type.name_zh || type.name);
  }

  function typeOptions(selected) {
    return `<option value="">— ${Planner.t("custom")} —</option>` + types.map((t) =>
      `<option value="${escape(t.id)}" ${t.id === selected ? "selected" : ""}>${escape(t.name_zh)} ${escape(t.name)}</option>`).join("");
  }

  function fieldClass(index, name) {
    const err = errors[index];
    return err && err.field && (err.field === `incidents[${index}].${name}` || err.field.startsWith(`incidents[${index}].${name}.`)) ? "invalid" : "";
  }

  function drawList() {
    const removeIncident = Planner.t("Remove incident");  // outside the template: the catalog extractor misses ="${...}"
    $("incident-count").textContent = state.incidents.length ? `(${state.incidents.length})` : "";
    $("incident-list").innerHTML = state.incidents.map((inc, index) => {
      const err = errors[index];
      const rows = inc.requirements.map((r, k) => `<tr data-row="${k}">
          <td class="${fieldClass(index, `requirements[${k}].capability`)}"><input list="capability-list" data-req="capability" value="${escape(r.capability)}" placeholder="fire_squad" size="12"></td>
          <td class="${fieldClass(index, `requirements[${k}].quantity`)}"><input type="number" data-req="quantity" value="${escape(r.quantity)}" min="1" step="1"></td>
          <td class="${fieldClass(index, `requirements[${k}].deadline_min`)}"><input type="number" data-req="deadline_min" value="${escape(r.deadline_min)}" min="0" step="1"></td>
          <td><button type="button" class="link" data-remove-row="${k}" title="${Planner.t("Remove")}">×</button></td></tr>`).join("");
      return `<div class="incident-card${err ? " has-error" : ""}" data-index="${index}" data-id="${escape(inc.id)}">
        <div class="incident-head"><span class="incident-num" style="background:${colour(index)}">${index + 1}</span>
          <strong>${escape(inc.id)}</strong> <span class="hint">${Planner.number(inc.lon, 4, { grouping: false })}, ${Planner.number(inc.lat, 4, { grouping: false })}</span>
          <button type="button" class="link remove-incident" data-remove="${index}" title="${escape(removeIncident)}">${Planner.t("Remove")}</button></div>
        <label class="${fieldClass(index, "type")}">${Planner.t("Type")} <select data-field="type">${typeOptions(inc.type)}</select></label>
        <div class="incident-grid">
          <label class="${fieldClass(index, "priority")}">${Planner.t("Priority")} <input type="number" data-field="priority" value="${escape(inc.priority)}" min="1" max="10" step="1"></label>
          <label class="${fieldClass(index, "duration_h")}">${Planner.t("Duration (h)")} <input type="number" data-field="duration_h" value="${escape(inc.duration_h)}" min="0.5" step="0.5"></label>
        </div>
        <label class="${fieldClass(index, "responsible_unit")}">${Planner.t("Responsible unit")} <input data-field="responsible_unit" value="${escape(inc.responsible_unit)}" placeholder="—"></label>
        <label><input type="checkbox" data-field="responsible_can_pay" ${inc.responsible_can_pay ? "checked" : ""}> ${Planner.t("Can pay")}</label>
        <table class="req-table compact"><thead><tr><th>${Planner.t("Capability")}</th><th>${Planner.t("Qty")}</th><th>${Planner.t("min")}</th><th></th></tr></thead>
          <tbody>${rows || `<tr><td colspan="4" class="hint">${inc.type ? Planner.t("Template defaults") : Planner.t("Choose a type or add a requirement")}</td></tr>`}</tbody></table>
        <button type="button" class="secondary small" data-add-row>+ ${Planner.t("Requirement")}</button>
        ${err ? `<p class="dispatch-error incident-error">${escape(err.message)}</p>` : ""}
      </div>`;
    }).join("") || `<p class="hint" id="no-incidents">${Planner.t("No incidents yet.")}</p>`;
    bindList();
  }

  function bindList() {
    document.querySelectorAll(".incident-card").forEach((card) => {
      const index = Number(card.dataset.index);
      const inc = state.incidents[index];
      card.querySelector("[data-remove]").addEventListener("click", () => {
        state.incidents.splice(index, 1);
        errors = {};
        changed(); drawMarkers(); drawList();
      });
      card.querySelectorAll("[data-field]").forEach((input) => input.addEventListener("change", () => {
        const name = input.dataset.field;
        if (name === "responsible_can_pay") inc[name] = input.checked;
        else if (name === "type") {
          inc.type = input.value;
          const t = types.find((x) => x.id === inc.type);
          if (t) inc.requirements = t.requirements.map((r) => ({ ...r }));
        } else inc[name] = input.value;
        delete errors[index];
        changed();
        if (name === "type") { drawMarkers(); drawList(); }
      }));
      card.querySelectorAll("tr[data-row]").forEach((tr) => {
        const row = inc.requirements[Number(tr.dataset.row)];
        tr.querySelectorAll("[data-req]").forEach((input) => input.addEventListener("change", () => {
          row[input.dataset.req] = input.value;
          delete errors[index];
          changed();
        }));
        tr.querySelector("[data-remove-row]").addEventListener("click", () => {
          inc.requirements.splice(Number(tr.dataset.row), 1);
          changed(); drawList();
        });
      });
      card.querySelector("[data-add-row]").addEventListener("click", () => {
        inc.requirements.push({ capability: "", quantity: 1, deadline_min: 30 });
        changed(); drawList();
        const inputs = $("incident-list").querySelectorAll(`.incident-card[data-index="${index}"] [data-req="capability"]`);
        if (inputs.length) inputs[inputs.length - 1].focus();
      });
    });
  }

  $("clear-incidents").addEventListener("click", () => {
    if (state.incidents.length && !window.confirm(Planner.t("Remove all incidents?"))) return;
    state.incidents = []; state.nextId = 1; state.result = null; state.stale = false; errors = {};
    save(); drawMarkers(); drawList(); clearResult();
  });

  $("time-limit").value = state.timeLimit;
  $("time-limit").addEventListener("change", () => { state.timeLimit = $("time-limit").value; save(); });
  $("dispatch-at").value = state.at || "";
  $("dispatch-at").addEventListener("change", () => { state.at = $("dispatch-at").value; changed(); });

  // ---- run ------------------------------------------------------------------------------------
  // Numbers typed by the user are sent as numbers; anything else is sent as typed, so the API names
  // the field and the message appears on the incident's card.
  const asNumber = (v) => (v === "" || v === null || v === undefined || !Number.isFinite(Number(v))) ? v : Number(v);

  function requestBody() {
    return {
      ...roads.fields(),
      ...(state.at ? { at: state.at } : {}),  // who is on duty, and the time band the roads are driven in
      time_limit_s: asNumber(state.timeLimit),
      incidents: state.incidents.map((inc) => {
        const out = { id: inc.id, lon: inc.lon, lat: inc.lat, priority: asNumber(inc.priority), duration_h: asNumber(inc.duration_h),
                      responsible_unit: inc.responsible_unit || "", responsible_can_pay: !!inc.responsible_can_pay };
        if (inc.type) out.type = inc.type;
        // No rows: the template's defaults, or (no type either) the API's "give a type or requirements".
        if (inc.requirements.length) {
          out.requirements = inc.requirements.map((r) => ({ capability: r.capability, quantity: asNumber(r.quantity),
                                                           deadline_min: asNumber(r.deadline_min) }));
        }
        return out;
      }),
    };
  }

  function showError(error) {
    const match = /^incidents\[(\d+)\]/.exec(error.field || "");
    if (match && state.incidents[Number(match[1])]) {
      errors[Number(match[1])] = { message: error.message, field: error.field };
      $("run-error").textContent = `${Planner.t("Incident")} #${Number(match[1]) + 1}: ${Planner.t("see its card")} — ${error.message}`;
      drawList();
      const card = document.querySelector(`.incident-card[data-index="${match[1]}"]`);
      if (card) card.scrollIntoView({ block: "nearest" });
    } else {
      $("run-error").textContent = `${error.field ? `${error.field}: ` : ""}${error.message}`;
    }
  }

  $("run-dispatch").addEventListener("click", () => {
    if (!canRun) return;
    errors = {};
    $("run-error").textContent = "";
    if (!state.incidents.length) {
      $("run-error").textContent = Planner.t("Click the map to place an incident first.");
      return;
    }
    drawList();
    $("run-status").textContent = Planner.t("Solving…");
    $("run-dispatch").disabled = true;
    el.dataset.run = "running";
    fetch(api("dispatch"), { method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
                             body: JSON.stringify(requestBody()) })
      .then((r) => r.ok ? r.json() : failJSON(r))
      .then((result) => {
        state.result = result; state.stale = false;
        save(); showResult(result); drawMarkers();
        const bounds = L.latLngBounds(state.incidents.map((i) => [i.lat, i.lon]));
        result.optimal.assignments.forEach((a) => {
          bounds.extend([a.lat, a.lon]);
          (a.route || []).forEach(([lon, lat]) => bounds.extend([lat, lon]));
        });
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [40, 40], maxZoom: 15, animate: false });
        el.dataset.run = "done";
      })
      .catch((error) => {
        $("run-status").textContent = "";
        showError(error);
        el.dataset.run = "error";
      })
      .finally(() => { $("run-dispatch").disabled = !canRun; });
  });

  // The summary to file: the same request solved again on the server, answered as a PDF or an HTML page.
  function downloadSummary(format) {
    $("summary-status").textContent = "…";
    fetch(api(`dispatch/summary?format=${format}`), {
      method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(requestBody()) })
      .then((r) => r.ok ? r.blob() : failJSON(r))
      .then((blob) => {
        const url = URL.createObjectURL(blob);
        const link = document.createElement("a");
        link.href = url;
        if (format === "html") link.target = "_blank";
        else link.download = `dispatch-summary-${scenario}.pdf`;
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
        $("summary-status").textContent = "";
      })
      .catch((error) => { $("summary-status").textContent = ""; showError(error); });
  }
  ["summary-pdf", "summary-html"].forEach((id) => $(id).addEventListener("click", (event) => {
    downloadSummary(event.target.dataset.format);
  }));

  // ---- results --------------------------------------------------------------------------------
  function clearResult() {
    if (resultLayer) { map.removeLayer(resultLayer); resultLayer = null; }
    $("results").hidden = true;
    $("run-status").textContent = "";
  }

  function incidentIndex(id) { return state.incidents.findIndex((i) => i.id === id); }

  function showResult(result) {
    clearResult();
    const opt = result.optimal;
    const group = L.layerGroup();
    opt.assignments.forEach((a) => {
      const index = incidentIndex(a.incident);
      const style = a.borrowed ? { color: LENT, weight: 4, dashArray: "8 6", opacity: 0.9 }
                               : { color: colour(index < 0 ? 0 : index), weight: 4, opacity: 0.85 };
      if (a.route && a.route.length > 1) {
        L.polyline(a.route.map(([lon, lat]) => [lat, lon]), { ...style, renderer, className: "dispatch-route" })
          .bindTooltip(`${a.unit} → ${a.incident} · ${num(a.arrival_min)} min · ${num(a.route_km, 2)} km`, { sticky: true })
          .addTo(group);
      }
      L.circleMarker([a.lat, a.lon], { renderer, radius: 7, weight: 2, color: "#fff", fillColor: style.color, fillOpacity: 1 })
        .bindTooltip(`${escape(a.unit)} ${num(a.arrival_min)} min${a.borrowed ? " ⇄" : ""}`, { permanent: true, direction: "right",
                                                                                               className: "arrival-label" })
        .addTo(group);
    });
    resultLayer = group.addTo(map);
    el.dataset.routes = String(opt.assignments.filter((a) => a.route && a.route.length > 1).length);

    const bound = opt.bound ? ` · ${Planner.t("bound")} ${num(opt.bound.weighted_shortfall, 0)} / ${num(opt.bound.weighted_arrival, 2)} / ${money(opt.bound.compensation)}` : "";
    $("run-status").innerHTML = (result.roads ? `<span id="roads-applied">${Planner.t("Roads")}: ${PlannerRoads.describe(result.roads)}</span><br>` : "") +
      `${Planner.t("Status")} <strong id="run-status-value">${escape(opt.status)}</strong> (${escape(opt.method)})${escape(bound)}` +
      ` · ${num(opt.seconds, 3)} s · ${Planner.t("units sent")} ${opt.units_sent}<span id="stale-note" class="met-no" hidden><br>${Planner.t("Inputs changed since this run.")}</span>`;
    showStale();

    $("assignment-table").querySelector("tbody").innerHTML = opt.assignments.map((a) => {
      const index = incidentIndex(a.incident);
      return `<tr class="${a.borrowed ? "borrowed" : ""}" data-unit="${escape(a.unit)}"><td><span class="incident-num" style="background:${colour(index < 0 ? 0 : index)}">${index + 1}</span>${escape(a.incident)}</td>` +
        `<td>${escape(a.name_zh || "")} ${escape(a.name)}<br><span class="hint">${escape(a.unit)} · ${escape((a.team_type_label || []).join(" / "))}</span></td>` +
        `<td>${escape(a.base_name_zh || "")} ${escape(a.base_name)}</td><td class="num">${num(a.arrival_min)}<br><span class="hint">${Planner.t("turn-out")} ${num(a.turnout_min)}</span></td>` +
        `<td class="num">${num(a.route_km, 2)}</td><td>${a.borrowed ? `⇄ ${escape(a.lender)}<br>¥${money(a.cost)}` : "—"}</td>` +
        `<td class="brings">${brings(a.brings)}</td></tr>`;
    }).join("") || `<tr><td colspan="7">${Planner.t("No unit sent")}</td></tr>`;
    showHeldBack(result.availability);
    showMaterials(opt);

    const missing = new Map(opt.shortfall.map((s) => [`${s.incident}|${s.capability}|${s.deadline_min}`, s.missing]));
    $("requirement-table").querySelector("tbody").innerHTML = result.incidents.flatMap((inc) => inc.requirements.map((r) => {
      const miss = missing.get(`${inc.id}|${r.capability}|${r.deadline_min}`) || 0;
      return `<tr class="${miss ? "short" : ""}"><td>${escape(inc.id)}</td>` +
        `<td title="${escape(r.capability)}">${escape(capability(r.capability))}</td><td class="num">${r.quantity}</td>` +
        `<td class="num">${num(r.deadline_min, 0)}</td><td class="num">${miss ? `<strong>${miss}</strong>` : "0 ✓"}</td></tr>`;
    })).join("");

    const rows = [
      [Planner.t("Weighted shortfall"), (r) => num(r.objective.weighted_shortfall, 0)],
      [Planner.t("Weighted arrival (min)"), (r) => num(r.objective.weighted_arrival, 2)],
      [Planner.t("Compensation (¥)"), (r) => money(r.objective.compensation)],
      [Planner.t("Units sent"), (r) => String(r.units_sent)],
      [Planner.t("Status"), (r) => r.status],
      [Planner.t("Seconds"), (r) => num(r.seconds, 3)],
    ];
    $("compare-table").querySelector("tbody").innerHTML = rows.map(([label, f]) =>
      `<tr><td>${escape(label)}</td><td class="num">${escape(f(opt))}</td><td class="num">${escape(f(result.greedy))}</td></tr>`).join("");

    showLedger(result.ledger);
    $("results").hidden = false;
  }

  function brings(b) {
    if (!b) return "—";
    if (b.people === null || b.people === undefined) return `<span class="hint">${Planner.t("no people recorded")}</span>`;
    const certificates = Object.entries(b.qualifications || {}).map(([k, n]) => `${escape(k)} ${n}`).join(", ");
    return `${b.people} ${Planner.t("people")}${certificates ? `<br><span class="hint">${certificates}</span>` : ""}`;
  }

  function showHeldBack(availability) {
    const box = $("held-back-box");
    box.hidden = !availability;
    if (!availability) return;
    $("held-back-at").textContent = availability.at;
    $("held-back-list").innerHTML = availability.held_back.slice(0, 12).map((t) => {
      const flags = t.flags.filter((f) => !["status", "upkeep", "roster", "personnel"].includes(f.rule));
      const why = flags.map((f) => `<br><span class="hint">[${escape(f.rule)}] ${escape(f.message)}` +
        `${f.source ? ` — ${escape(f.source)}` : ""}</span>`).join("");
      const caps = Object.keys(t.nominal).map((c) => `<span title="${escape(c)}">${escape(capability(c))}</span> ` +
        `${t.capabilities[c] || 0}/${t.nominal[c]}`).join(", ");
      return `<li data-team="${escape(t.team)}"><strong>${escape(t.team)}</strong> ${caps}` +
        ` · ${Planner.t("on duty")} ${t.on_duty === null ? "—" : t.on_duty}${t.reason ? ` · ${escape(t.reason)}` : ""}${why}</li>`;
    }).join("") || "<li>" + Planner.t("None") + "</li>";
  }

  function showMaterials(opt) {
    const rows = (opt.materials || []).map((m) => `<tr data-depot="${escape(m.depot)}"><td>${escape(m.incident)}</td>` +
      `<td>${escape(m.material)}</td><td>${escape(m.depot)}<br><span class="hint">${escape(m.stock)}</span></td>` +
      `<td class="num">${m.quantity} ${escape(m.unit)}</td><td class="num">${num(m.arrival_min)}</td><td class="num">¥${money(m.cost)}</td></tr>`)
      .concat((opt.material_shortfall || []).map((m) => `<tr class="short"><td>${escape(m.incident)}</td><td>${escape(m.material)}</td>` +
        `<td>${Planner.t("short")}</td><td class="num"><strong>${m.missing}</strong> ${escape(m.unit)}</td><td class="num">≤ ${num(m.deadline_min, 0)}</td><td></td></tr>`));
    $("materials-box").hidden = !rows.length;
    $("materials-table").querySelector("tbody").innerHTML = rows.join("");
  }

  function showLedger(ledger) {
    $("ledger-table").querySelector("tbody").innerHTML = ledger.lines.map((l) =>
      `<tr>${LEDGER_COLUMNS.map((c) => `<td class="${["quantity", "rate", "days", "amount"].includes(c) ? "num" : ""}">${
        escape(c === "amount" || c === "rate" ? money(l[c]) : l[c])}</td>`).join("")}</tr>`).join("")
      || `<tr><td colspan="${LEDGER_COLUMNS.length}">${Planner.t("No compensation lines")}</td></tr>`;
    const totals = (title, obj) => Object.keys(obj).length ? `<p><strong>${title}</strong><br>${Object.entries(obj)
      .map(([k, v]) => `${escape(k)}: ¥${money(v)}`).join("<br>")}</p>` : "";
    $("ledger-totals").innerHTML = totals(Planner.t("By payer"), ledger.totals_by_payer) + totals(Planner.t("By lender"), ledger.totals_by_lender) +
      `<p><strong>${Planner.t("Total ¥")}<span id="ledger-total">${money(ledger.total)}</span></strong></p>`;
    $("ledger-excluded").innerHTML = ledger.excluded.length ? `<p><strong>${Planner.t("Excluded claims")}</strong></p><ul>${ledger.excluded.map((x) =>
      `<li>${escape([x.mission, x.unit, x.lender, x.line].filter((v) => v !== undefined && v !== "").join(" · "))}` +
      `${x.amount ? ` ¥${money(x.amount)}` : ""} — ${escape(x.reason || "")}</li>`).join("")}</ul>` : "";
    $("ledger-unrated").innerHTML = ledger.unrated_equipment.length ? `<p><strong>${Planner.t("Equipment without a rate")}</strong> ` +
      `(${Planner.t("not in the ledger")})</p><ul>${ledger.unrated_equipment.map((u) => `<li>${escape(u.unit)}: ${escape(u.kind)} × ${u.quantity}</li>`).join("")}</ul>` : "";
    const own = ledger.own_forces || [];
    $("ledger-own").innerHTML = own.length ? `<p><strong>${Planner.t("Own forces of a parent jurisdiction")}</strong> ` +
      `(${Planner.t("not compensated")})</p><ul>${own.map((o) => `<li>${escape(o.unit)}: ${escape(o.jurisdiction)} → ${escape(o.serves)}</li>`).join("")}</ul>` : "";
    const link = $("ledger-csv");
    if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob(["\ufeff" + ledgerCSV(ledger)], { type: "text/csv;charset=utf-8" }));
  }

  function ledgerCSV(ledger) {
    const cell = (v) => { const s = String(v ?? ""); return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
    const columns = [...LEDGER_COLUMNS, "agreement", "rule"];
    const lines = [columns.join(",")].concat(ledger.lines.map((l) => columns.map((c) => cell(l[c])).join(",")));
    lines.push("", "total," + cell(ledger.total));
    Object.entries(ledger.totals_by_payer).forEach(([k, v]) => lines.push(`payer,${cell(k)},${cell(v)}`));
    Object.entries(ledger.totals_by_lender).forEach(([k, v]) => lines.push(`lender,${cell(k)},${cell(v)}`));
    ledger.excluded.forEach((x) => lines.push(["excluded", x.mission, x.unit, x.lender, x.line, x.amount, x.reason].map(cell).join(",")));
    ledger.unrated_equipment.forEach((u) => lines.push(`unrated_equipment,${cell(u.unit)},${cell(u.kind)},${cell(u.quantity)}`));
    return lines.join("\r\n") + "\r\n";
  }
  window.dispatchLedgerCSV = ledgerCSV; // for tests

  // ---- load -----------------------------------------------------------------------------------
  drawList();
  drawMarkers();
  Promise.all([getJSON("/api/v1/incident-types"), getJSON(api("roads")), getJSON(api("layers/bases")),
    getJSON("/api/v1/labels"), roads.load()])
    .then(([incidentTypes, network, bases, table]) => {
      types = incidentTypes.incident_types;
      labels = table;
      const roadLayer = L.geoJSON(network, { style: (f) => {
        const [weight, color] = Planner.roadClass(f.properties.highway);
        return { weight, color, opacity: 0.9, renderer, interactive: false };
      } }).addTo(map);
      L.geoJSON(bases, {
        pointToLayer: (f, latlng) => L.circleMarker(latlng, { renderer, radius: 4, weight: 1, color: "#fff", fillColor: "#37474f", fillOpacity: 0.9 }),
        onEachFeature: (f, layer) => layer.bindTooltip(`${f.properties.name_zh || ""} ${f.properties.name} (${f.properties.id})`),
      }).addTo(map);
      map.fitBounds(roadLayer.getBounds(), { padding: [10, 10] });
      drawList(); drawMarkers();
      if (state.result) showResult(state.result);
      el.dataset.ready = "true";
    })
    .catch((error) => {
      $("run-error").textContent = `${Planner.t("Could not load map data")}: ${error.message}`;
    });
})();
