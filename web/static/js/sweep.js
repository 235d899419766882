// Sweep page: start the "sweep" background job, poll its progress, render the summary. Every incident may
// drive under a stored closure set, and at its time of day's speed band (drawn among the scenario's bands
// and free flow by their hours) unless the bands are switched off; the summary says which applied.
(function () {
  "use strict";
  const page = document.getElementById("sweep-page");
  const scenario = page.dataset.scenario;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const esc = Planner.escape;
  const pct = (x) => Planner.percent(x, 1);
  const num = (x) => Planner.number(x, 1);
  let chart = null;

  function call(method, url, body) {
    return fetch(url, { method, headers: { "Content-Type": "application/json", "X-CSRFToken": token },
                        body: body ? JSON.stringify(body) : undefined })
      .then((r) => r.json().then((data) => (r.ok ? data : Promise.reject(data.error || { message: r.statusText }))));
  }

  function progress(fraction, text) {
    $("progress").hidden = false;
    $("progress-bar").style.width = `${Math.round(100 * fraction)}%`;
    $("progress-text").textContent = text;
  }

  function rows(id, items, cells) {
    $(id).querySelector("tbody").innerHTML = items.map((item) => `<tr>${cells(item).map((c) => `<td>${c}</td>`).join("")}</tr>`).join("");
  }

  function showCapability(result, name) {
    const cap = result.capabilities.find((c) => c.capability === name);
    if (!cap || !cap.histogram) return;
    const edges = cap.histogram.edges;
    const labels = cap.histogram.counts.map((_, i) => `${Planner.number(edges[i], 1)}–${Planner.number(edges[i + 1], 1)}`);
    if (chart) chart.destroy();
    chart = new Chart($("sweep-chart"), {
      type: "bar",
      data: { labels, datasets: [{ label: `${name}: minutes to first arrival (p50 ${num(cap.p50)}, p90 ${num(cap.p90)})`,
                                   data: cap.histogram.counts, backgroundColor: "#5d8aa8" }] },
      options: { animation: false, scales: { x: { title: { display: true, text: "minutes" } },
                                             y: { title: { display: true, text: "incidents" } } } },
    });
  }

  // Which closures and bands the sweep drove under: one description, or one per time-of-day band.
  function roadsLine(roads) {
    if (!roads) return Planner.t("free flow, no closure");
    if ("closure_set" in roads) return PlannerRoads.describe(roads) || Planner.t("free flow");
    const first = Object.values(roads)[0];
    const closures = first && first.closure_set ? `${PlannerRoads.describe({ ...first, band: null, at: null })} · ` : "";
    return `${closures}${Planner.t("bands")}: ${Object.keys(roads).map(esc).join(", ")}`;
  }

  function render(result) {
    $("sweep-result").hidden = false;
    $("sweep-meta").innerHTML = esc(Planner.t("%(n)s incidents counted (%(distinct)s distinct), %(backend)s with %(workers)s worker(s), %(s)s s",
      { n: result.counted, distinct: result.distinct_incidents, backend: result.backend, workers: result.workers, s: result.seconds }) +
      ` · ${result.model} · ` +
      (result.availability ? Planner.t("on duty from %(from)s (%(days)s days), teams answering of %(teams)s:",
        { from: result.availability.from, days: result.availability.days, teams: result.availability.teams }) + " " +
        Object.entries(result.availability.teams_answering).map(([name, n]) => `${name} ${n}`).join(", ")
        : Planner.t("every team at declared strength"))) +
      `<br><span id="sweep-roads">${Planner.t("Roads")}: ${roadsLine(result.roads)}</span>`;
    rows("sweep-standards", result.standards, (s) => [esc(s.standard), s.incidents, pct(s.share_within), pct(s.min_share),
      s.met ? "✔" : "✘", num(s.p50), num(s.p90), pct(s.unreachable_share)]);
    rows("sweep-failing", result.failing_sites.slice(0, 15), (s) => [esc(s.site), s.incidents, pct(s.failure_share)]);
    rows("sweep-utilisation", result.utilisation.slice(0, 15), (t) => [esc(t.team), esc(t.type), t.dispatches, pct(t.share)]);
    // busiest capabilities with arrivals first; those never reached last
    const ordered = [...result.capabilities].sort((a, b) => (b.p50 !== null) - (a.p50 !== null) || b.incidents - a.incidents);
    const pick = $("capability-pick");
    pick.innerHTML = ordered.map((c) => `<option>${esc(c.capability)}</option>`).join("");
    pick.onchange = () => showCapability(result, pick.value);
    if (ordered.length) showCapability(result, ordered[0].capability);
    page.dataset.state = "done";
  }

  function poll(id) {
    call("GET", `/api/v1/jobs/${id}`).then((job) => {
      progress(job.progress, `${Math.round(100 * job.progress)}% · ${job.message}`);
      if (job.status === "done") render(job.result);
      else if (job.status === "failed") fail({ message: job.error }, job.id);
      else setTimeout(() => poll(id), 400);
    }, fail);
  }

  // A failed job (an error, a time limit, a server that stopped) can be run again: a new job, same parameters.
  function fail(error, jobId) {
    $("sweep-error").hidden = false;
    $("sweep-error").textContent = `${error.field ? error.field + ": " : ""}${error.message}`;
    page.dataset.state = "error";
    const again = $("sweep-again");
    if (again && jobId) {
      again.hidden = false;
      again.onclick = () => follow(call("POST", `/api/v1/jobs/${encodeURIComponent(jobId)}/again`));
    }
  }

  function follow(started) {
    $("sweep-error").hidden = true;
    if ($("sweep-again")) $("sweep-again").hidden = true;
    page.dataset.state = "running";
    progress(0, "queued");
    started.then((job) => poll(job.id), fail);
  }

  $("sweep-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const params = { incidents: Number(form.get("incidents")), seed: Number(form.get("seed")), mode: form.get("mode"),
                     workers: Number(form.get("workers")), busy_share: Number(form.get("busy_share")),
                     time_bands: form.get("time_bands") === "on" };
    if (form.get("closures")) params.closures = form.get("closures");
    if (form.get("availability_from")) params.availability_from = form.get("availability_from");
    follow(call("POST", `/api/v1/scenarios/${encodeURIComponent(scenario)}/jobs`, { kind: "sweep", params }));
  });

  // The stored closure sets to choose from.
  call("GET", `/api/v1/scenarios/${encodeURIComponent(scenario)}/road-conditions`).then((data) => {
    $("sweep-closures").innerHTML = `<option value="">— ${Planner.t("none")} —</option>` + data.closure_sets.map((s) =>
      `<option value="${esc(s.name)}" title="${esc(s.description)}">${esc(s.name)}</option>`).join("");
    $("sweep-closures").dataset.ready = "true";
  }, () => {});

  // The latest sweep of this scenario, started before this page was opened: follow it while it runs, show
  // its summary once done, or say why it failed (a server that stopped meanwhile) and offer to run it again.
  call("GET", `/api/v1/jobs?scenario=${encodeURIComponent(scenario)}&kind=sweep`).then((answer) => {
    const latest = answer.jobs[0];
    if (!latest || page.dataset.state) return;
    if (latest.status === "queued" || latest.status === "running") follow(Promise.resolve(latest));
    else if (latest.status === "failed") {
      progress(latest.progress, `${Math.round(100 * latest.progress)}% · ${latest.message}`);
      fail({ message: latest.error }, latest.id);
    }
  }, () => {});
})();
