// Drill detail: expected response on the map (roads, site, routes or lines from the bases with arrival
// minutes), the Monte Carlo histogram (Chart.js, p50/p90 marked) run as a background job, "shift drill",
// and the evaluation entry (table of observed times or an uploaded CSV) posted to the API. A simulation may
// drive under a stored closure set (a surprise: a bridge closed) and in a time band; its summary says which.
(function () {
  "use strict";
  const D = window.Drills;
  const page = document.getElementById("drill-page");
  const view = JSON.parse(document.getElementById("drill-data").textContent);
  const scenario = page.dataset.scenario;
  const key = page.dataset.key;
  const api = (path) => `/api/v1/scenarios/${encodeURIComponent(scenario)}/${path}`;
  const $ = (id) => document.getElementById(id);
  const version = () => (page.dataset.version ? Number(page.dataset.version) : null);
  const showError = (box, error) => { if (box) box.textContent = `${error.message}${error.field ? ` (field: ${error.field})` : ""}`; };

  // ---- map -------------------------------------------------------------------------------------
  const el = $("map");
  const { map } = Planner.createMap(el, { preferCanvas: false });
  const drawn = L.featureGroup().addTo(map);
  const site = view.map.site;
  if (site) {
    L.circleMarker([site.lat, site.lon], { radius: 9, color: "#b3261e", fillColor: "#e53935", fillOpacity: 0.9, weight: 2 })
      .bindTooltip(`${site.name_zh || ""} ${site.name} (${site.id})`, { permanent: true, direction: "top" }).addTo(drawn);
    view.map.teams.forEach((t) => {
      const line = t.route && t.route.length > 1 ? t.route.map(([lon, lat]) => [lat, lon]) : [[t.lat, t.lon], [site.lat, site.lon]];
      L.polyline(line, { color: "#1565c0", weight: 3, opacity: 0.8, dashArray: t.route ? null : "6 4" }).addTo(drawn);
      L.circleMarker([t.lat, t.lon], { radius: 6, color: "#0d47a1", fillColor: "#42a5f5", fillOpacity: 0.95, weight: 2 })
        .bindTooltip(`${t.team} · ${t.arrival_min} min`, { permanent: true, direction: "right", className: "arrival-label" })
        .addTo(drawn);
    });
    map.fitBounds(drawn.getBounds().pad(0.2));
  } else {
    map.setView([36.67, 117.0], 9);
  }
  fetch(api("roads")).then((r) => (r.ok ? r.json() : null)).then((roads) => {
    if (!roads) return;
    L.geoJSON(roads, { style: { color: "#9a9a9a", weight: 1, opacity: 0.6 }, interactive: false }).addTo(map).bringToBack();
  }).catch(() => {});

  // ---- simulation chart --------------------------------------------------------------------------
  let chart = null;
  let simulation = view.simulation;
  const LABEL = (m) => m.replace(/^first:/, "" + Planner.t("first") + " ").replace(/^assembled:/, "" + Planner.t("assembled") + " ");

  const markers = {
    id: "percentiles",
    afterDatasetsDraw(c) {
      const p = c.options.plugins.percentiles;
      if (!p) return;
      const { ctx, chartArea, scales } = c;
      [["p50", p.p50, "#2e7d32"], ["p90", p.p90, "#c62828"]].forEach(([name, value, color]) => {
        if (value === null || value === undefined) return;
        const x = scales.x.getPixelForValue(value);
        ctx.save();
        ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.setLineDash([6, 3]);
        ctx.beginPath(); ctx.moveTo(x, chartArea.top); ctx.lineTo(x, chartArea.bottom); ctx.stroke();
        ctx.fillStyle = color; ctx.font = "12px sans-serif";
        ctx.fillText(`${name} ${value}`, x + 4, chartArea.top + (name === "p50" ? 12 : 26));
        ctx.restore();
      });
    },
  };

  function drawChart() {
    if (!simulation || !simulation.histograms) return;
    const select = $("sim-metric");
    const names = Object.keys(simulation.histograms).filter((n) => n.startsWith("first:") || n.startsWith("assembled:"));
    const current = select.value;
    select.innerHTML = names.map((n) => `<option value="${D.escape(n)}">${D.escape(LABEL(n))}</option>`).join("");
    const objectives = ((view.design || {}).objectives || []).map((o) => (o.metric === "first_arrival" ? `first:${o.capability}` : `assembled:${o.capability}:${o.quantity}`));
    const preferred = names.find((n) => n === current) || objectives.find((n) => names.includes(n)) ||
      names.find((n) => n.startsWith("first:")) || names[0];
    if (!preferred) return;
    select.value = preferred;
    const h = simulation.histograms[preferred];
    const row = simulation.metrics[preferred];
    const points = h.counts.map((count, i) => ({ x: (h.edges[i] + h.edges[i + 1]) / 2, y: count }));
    const width = h.edges.length > 1 ? h.edges[1] - h.edges[0] : 1;
    $("sim-summary").innerHTML = Planner.escape(Planner.t("%(runs)s runs, seed %(seed)s", { runs: simulation.runs, seed: simulation.seed }) +
      ` · ${LABEL(preferred)}: ` + Planner.t("p50 %(p50)s min, p90 %(p90)s min, mean %(mean)s, share %(share)s%", {
        p50: row.p50, p90: row.p90, mean: row.mean, share: Math.round(row.share * 100) }) +
      " · " + Planner.t("escalated %(share)s%", { share: Math.round(simulation.escalated_share * 100) })) +
      (simulation.roads ? `<br><span id="sim-roads">${Planner.t("Roads")}: ${PlannerRoads.describe(simulation.roads)}</span>` : "");
    const data = { datasets: [{ label: `${LABEL(preferred)} (min)`, data: points, backgroundColor: "#5c8fd6", barPercentage: 1.0, categoryPercentage: 1.0 }] };
    const options = {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: true,
      scales: { x: { type: "linear", title: { display: true, text: Planner.t("minutes after the alarm") }, min: h.edges[0], max: h.edges[h.edges.length - 1] },
                y: { title: { display: true, text: Planner.t("runs") }, beginAtZero: true } },
      plugins: { legend: { display: true }, percentiles: { p50: row.p50, p90: row.p90 },
                 tooltip: { callbacks: { title: (items) => `${Planner.number(items[0].parsed.x - width / 2, 1)}–${Planner.number(items[0].parsed.x + width / 2, 1)} min` } } },
    };
    if (chart) chart.destroy();
    chart = new Chart($("sim-chart"), { type: "bar", data, options, plugins: [markers] });
    $("sim-chart").dataset.metric = preferred;
  }
  if ($("sim-metric")) $("sim-metric").addEventListener("change", () => drawChart());
  drawChart();

  const simForm = $("simulate-form");
  // Follow a simulation job (just started, or run again after it failed) to the summary stored with the drill.
  function simulate(started) {
    const button = $("run-simulation");
    button.disabled = true;
    $("sim-again").hidden = true;
    $("drill-error").textContent = "";
    const show = D.progressUI($("sim-status"));
    show(0, Planner.t("queued"));
    started
      .then((job) => D.waitJob(job.id, show))
      .then((job) => D.call("PUT", api(`drills/${key}/simulation`), { job: job.id, expected_version: version() }))
      .then((saved) => {
        page.dataset.version = saved.version;
        simulation = saved.simulation;
        $("sim-result").hidden = false;
        if ($("sim-empty")) $("sim-empty").hidden = true;
        show(1, Planner.t("done: %(runs)s runs in %(s)s s", { runs: simulation.runs, s: simulation.seconds }));
        drawChart();
      })
      .catch((error) => {
        showError($("drill-error"), error);
        if (error.job) {  // a failed job (a server that stopped, a time limit): run the same simulation again
          $("sim-again").hidden = false;
          $("sim-again").onclick = () => simulate(D.call("POST", `/api/v1/jobs/${encodeURIComponent(error.job)}/again`));
        }
      })
      .finally(() => { button.disabled = false; });
  }
  if (simForm) simForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { runs: Number($("sim-runs").value), seed: Number($("sim-seed").value) };
    if ($("sim-closures").value) body.closures = $("sim-closures").value;
    if ($("sim-band").value) body.band = $("sim-band").value;
    simulate(D.call("POST", api(`drills/${key}/simulations`), body));
  });
  // The stored closure sets and time bands a simulation may drive under.
  if (simForm) fetch(api("road-conditions")).then((r) => (r.ok ? r.json() : null)).then((data) => {
    if (!data) return;
    const esc = Planner.escape;
    $("sim-closures").innerHTML = `<option value="">— ${Planner.t("none")} —</option>` + data.closure_sets.map((s) =>
      `<option value="${esc(s.name)}" title="${esc(s.description)}">${esc(s.name)}</option>`).join("");
    $("sim-band").innerHTML = `<option value="">${Planner.t("free flow")}</option>` + data.bands.map((b) =>
      `<option value="${esc(b.id)}">${esc(b.label || b.id)}</option>`).join("");
    simForm.dataset.roadsReady = "true";
  }).catch(() => {});

  // ---- shift and save design ---------------------------------------------------------------------
  const shiftForm = $("shift-form");
  if (shiftForm) shiftForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const minutes = $("shift-minutes").value;
    const start = $("shift-start").value;
    const body = { expected_version: version() };
    if (start) body.start = start; else if (minutes !== "") body.minutes = Number(minutes);
    D.call("POST", api(`drills/${key}/shift`), body).then(() => window.location.reload(),
      (error) => showError($("drill-error"), error));
  });
  if ($("save-design")) $("save-design").addEventListener("click", () => {
    D.call("PUT", api(`drills/${key}/design`), { expected_version: version() }).then(() => window.location.reload(),
      (error) => showError($("drill-error"), error));
  });

  // ---- evaluation --------------------------------------------------------------------------------
  const table = $("observed");
  const EVENTS = ["alarm", "notified", "dispatched", "departed", "arrived", "entry", "task_done", "casualty_out", "hazard_isolated", "evacuated", "inject", "note"];
  if ($("add-event")) $("add-event").addEventListener("click", () => {
    const row = table.tBodies[0].insertRow();
    row.className = "added";
    row.innerHTML = `<td><input name="time"></td><td><select name="event">${EVENTS.map((e) => `<option>${e}</option>`).join("")}</select></td>
      <td><input name="team"></td><td><input name="capability"></td><td><input name="quantity" type="number" min="0"></td><td><input name="note"></td>
      <td><button type="button" class="link remove">×</button></td>`;
    row.querySelector(".remove").addEventListener("click", () => row.remove());
  });

  function eventsFromTable() {
    const events = [];
    Array.from(table.tBodies[0].rows).forEach((row) => {
      row.classList.remove("invalid");
      const cell = (i, name) => { const input = row.cells[i].querySelector(`[name=${name}]`); return input ? input.value.trim() : row.cells[i].textContent.trim(); };
      const time = cell(0, "time");
      if (time === "") return; // an event not entered did not happen
      const item = { time: /^-?\d+(\.\d+)?$/.test(time) ? Number(time) : time, event: cell(1, "event"), team: cell(2, "team"),
                     capability: cell(3, "capability"), quantity: cell(4, "quantity"), note: cell(5, "note") };
      item.row = row;
      events.push(item);
    });
    return events;
  }

  // The typed times survive a reload and a failed evaluation: kept in the browser until an evaluation is stored.
  const draftKey = `planner-observed:${scenario}:${key}`;
  function saveDraft() {
    if (!table) return;
    const rows = Array.from(table.tBodies[0].rows).map((row) => Array.from(row.querySelectorAll("input, select")).map((i) => i.value));
    const added = Array.from(table.tBodies[0].rows).filter((row) => row.classList.contains("added")).length;
    window.localStorage.setItem(draftKey, JSON.stringify({ rows, added }));
  }
  function restoreDraft() {
    const text = table && window.localStorage.getItem(draftKey);
    if (!text) return;
    const draft = JSON.parse(text);
    for (let k = 0; k < draft.added; k += 1) $("add-event").click();
    Array.from(table.tBodies[0].rows).forEach((row, k) => {
      const values = draft.rows[k] || [];
      Array.from(row.querySelectorAll("input, select")).forEach((input, j) => { if (values[j] !== undefined) input.value = values[j]; });
    });
  }
  if (table) {
    restoreDraft();
    table.addEventListener("input", saveDraft);
    table.addEventListener("change", saveDraft);
  }

  const evalButton = $("evaluate");
  if (evalButton) evalButton.addEventListener("click", () => {
    const box = $("eval-error");
    box.textContent = "";
    const file = $("observed-file").files[0];
    const base = { plan: $("eval-plan").value || null, owner: $("eval-owner").value,
                   expected_version: page.dataset.evaluationVersion ? Number(page.dataset.evaluationVersion) : null };
    saveDraft();
    const send = (body) => D.call("POST", api(`evaluations/${key}`), body).then(() => { window.localStorage.removeItem(draftKey); window.location.reload(); }, (error) => {
      showError(box, error);
      const line = /line (\d+)/.exec(error.message);
      if (line && !file) {
        const index = Number(line[1]) - 2;
        const rows = eventsFromTable();
        if (rows[index]) rows[index].row.classList.add("invalid");
      }
    });
    if (file) {
      file.text().then((text) => send({ ...base, csv: text }));
    } else {
      const events = eventsFromTable().map(({ row, ...rest }) => rest);
      send({ ...base, events });
    }
  });

  document.querySelectorAll(".apply-turnout").forEach((button) => button.addEventListener("click", () => {
    button.disabled = true;
    D.call("POST", api(`evaluations/${key}/turnout/${encodeURIComponent(button.dataset.team)}/apply`), {})
      .then(() => window.location.reload(), (error) => { showError($("drill-error"), error); button.disabled = false; });
  }));
})();
