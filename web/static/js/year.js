// Sweep page, "over time" mode: start the "year" background job, poll it, render the figures with their
// 95% intervals, the timeline chart (Chart.js, vendored) and the comparison on common random numbers.
(function () {
  "use strict";
  const page = document.getElementById("sweep-page");
  const box = document.getElementById("year-mode");
  const scenario = page.dataset.scenario;
  const $ = (id) => document.getElementById(id);
  const esc = Planner.escape;
  let chart = null;

  // Switch between the instant sweep and the year.
  document.querySelectorAll("input[name=sweep-mode]").forEach((radio) => radio.addEventListener("change", () => {
    const overTime = document.querySelector("input[name=sweep-mode]:checked").value === "over-time";
    $("instant-mode").hidden = overTime;
    box.hidden = !overTime;
  }));

  function call(method, url, body) {
    return fetch(url, { method, headers: { "Content-Type": "application/json", "X-CSRFToken": Planner.csrf() },
                        body: body ? JSON.stringify(body) : undefined })
      .then((r) => (r.ok ? r.json() : Planner.failJSON(r)));
  }

  // "mean [low, high]" of a figure, as a percentage when asked.
  function ci(figure, percent) {
    if (!figure || figure.mean === null || figure.mean === undefined) return "—";
    const f = percent ? (v) => Planner.percent(v, 1) : (v) => Planner.number(v, 1);
    return figure.ci95 ? `${f(figure.mean)} <small>[${f(figure.ci95[0])}, ${f(figure.ci95[1])}]</small>` : f(figure.mean);
  }

  function rows(id, items, cells) {
    $(id).querySelector("tbody").innerHTML = items.map((item) => `<tr>${cells(item).map((c) => `<td>${c}</td>`).join("")}</tr>`).join("");
  }

  function progress(fraction, text) {
    $("year-progress").hidden = false;
    $("year-progress-bar").style.width = `${Math.round(100 * fraction)}%`;
    $("year-progress-text").textContent = text;
  }

  function drawTimeline(timeline) {
    const per = timeline.unit === "hour" ? 60 : 1440;
    const labels = timeline.start_min.map((m) => (timeline.unit === "hour" ? `d${Math.floor(m / 1440)} ${Math.round((m % 1440) / 60)}h`
                                                                           : `day ${Math.round(m / per)}`));
    if (chart) chart.destroy();
    chart = new Chart($("year-chart"), {
      type: "line",
      data: { labels, datasets: [
        { label: timeline.unit === "hour" ? Planner.t("incidents per hour") : Planner.t("incidents per day"), data: timeline.incidents, borderColor: "#5d8aa8", yAxisID: "y", pointRadius: 0 },
        { label: "most simultaneous incidents", data: timeline.simultaneous_incidents, borderColor: "#d7191c", yAxisID: "y",
          pointRadius: 0 },
        { label: "uncovered share of (site, standard) pairs", data: timeline.uncovered_share, borderColor: "#fd8d3c",
          yAxisID: "share", pointRadius: 0 },
      ] },
      options: { animation: false, interaction: { mode: "index", intersect: false },
                 scales: { y: { title: { display: true, text: "incidents" }, beginAtZero: true },
                           share: { position: "right", min: 0, max: 1, title: { display: true, text: "uncovered share" } } } },
    });
  }

  function render(result) {
    $("year-result").hidden = false;
    const held = (result.warning_postures || []).map((p) => `${p.warning}: ${p.teams.join(", ") || "—"}`).join("; ");
    $("year-meta").textContent = Planner.t("%(days)s days × %(replications)s replications, %(policy)s policy, rate ×%(scale)s; %(incidents)s incidents per replication; %(backend)s on %(workers)s worker(s), %(s)s s", {
      days: result.days, replications: result.counted_replications, policy: result.policy, scale: result.rate_scale,
      incidents: result.incidents.mean, backend: result.backend, workers: result.workers, s: result.seconds }) + ` · ${result.model}` +
      (held ? " · " + Planner.t("warnings hold %(held)s", { held }) : "");
    $("year-queue").innerHTML = Planner.t("Waited: %(share)s of incidents, mean wait %(wait)s min · units busy on average %(busy)s · most simultaneous incidents %(peak)s · move-ups %(moves)s", {
      share: ci(result.queue.waited_share, true), wait: ci(result.queue.wait_min), busy: ci(result.little.busy_units),
      peak: ci(result.peak_incidents), moves: ci(result.move_ups) });
    rows("year-standards", result.standards, (s) => [esc(s.standard), ci(s.incidents), ci(s.met_share, true),
      ci(s.covered_time_share, true), ci(s.p50_min), ci(s.p90_min)]);
    rows("year-worst", result.worst_hours, (h) => [h.day, h.hour_of_day, Planner.percent(h.uncovered_share, 1),
      h.simultaneous_incidents, h.incidents]);
    rows("year-teams", result.teams.slice(0, 15), (t) => [esc(t.team), ci(t.utilisation, true), ci(t.busy_hours),
      ci(t.cross_region_hours), ci(t.compensation_yuan)]);
    drawTimeline(result.timeline);
    $("year-comparison").hidden = !result.comparison;
    if (result.comparison) {
      rows("year-difference", result.comparison.difference.standards, (s) => [esc(s.standard), ci(s.met_share, true),
        ci(s.covered_time_share, true), ci(s.p90_min)]);
    }
    box.dataset.state = "done";
  }

  function fail(error) {
    $("year-error").hidden = false;
    $("year-error").textContent = `${error.field ? error.field + ": " : ""}${error.message}`;
    box.dataset.state = "error";
  }

  function poll(id) {
    call("GET", `/api/v1/jobs/${id}`).then((job) => {
      progress(job.progress, `${Math.round(100 * job.progress)}% · ${job.message}`);
      if (job.status === "done") render(job.result);
      else if (job.status === "failed") fail({ message: job.error });
      else setTimeout(() => poll(id), 500);
    }, fail);
  }

  // The stored closure sets to drive under, and to compare with.
  call("GET", `/api/v1/scenarios/${encodeURIComponent(scenario)}/road-conditions`).then((data) => {
    const options = data.closure_sets.map((s) =>
      `<option value="${esc(s.name)}" title="${esc(s.description)}">${esc(s.name)}</option>`).join("");
    ["year-closures", "year-compare-closures"].forEach((id) => {
      $(id).insertAdjacentHTML("beforeend", options);
      $(id).dataset.ready = "true";
    });
  }, () => {});

  $("year-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const params = { days: Number(form.get("days")), replications: Number(form.get("replications")),
                     policy: form.get("policy"), rate_scale: Number(form.get("rate_scale")), seed: Number(form.get("seed")),
                     move_up: form.get("move_up") === "on" };
    if (form.get("programme")) params.programme = Number(form.get("programme"));
    if (form.get("compare_rate_scale")) params.compare_rate_scale = Number(form.get("compare_rate_scale"));
    if (form.get("compare_policy")) params.compare_policy = form.get("compare_policy");
    if (form.get("compare_without_programme") === "on") params.compare_programme = 0;
    params.time_bands = form.get("time_bands") === "on";
    if (form.get("warnings").trim()) {
      try {
        params.warnings = JSON.parse(form.get("warnings"));
      } catch (error) {
        fail({ field: "warnings", message: `not JSON: ${error.message}` });
        return;
      }
    }
    if (form.get("compare_without_warnings") === "on") params.compare_warnings = false;
    if (form.get("closures")) params.closures = form.get("closures");
    if (form.get("compare_closures")) params.compare_closures = form.get("compare_closures");
    if (form.get("compare_closed_base")) params.compare_closed_bases = [form.get("compare_closed_base")];
    $("year-error").hidden = true;
    box.dataset.state = "running";
    progress(0, "queued");
    call("POST", `/api/v1/scenarios/${encodeURIComponent(scenario)}/jobs`, { kind: "year", params })
      .then((job) => poll(job.id), fail);
  });
})();
