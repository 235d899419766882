// Drills pages: shared helpers (JSON calls with the CSRF header, background jobs polled with a progress
// bar) and the calendar page's "plan the year" button: start the drills-plan job, show its progress,
// store the finished programme, reload the month view.
(function () {
  "use strict";
  const { escape, csrf } = Planner;

  function call(method, url, body) {
    return fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json().catch(() => ({})).then((data) => {
      if (!r.ok) {
        const error = new Error(data.error ? data.error.message : `${r.status} ${r.statusText}`);
        error.field = data.error ? data.error.field : null;
        error.status = r.status;
        throw error;
      }
      return data;
    }));
  }

  // Poll a job until it is done or failed; report progress through onProgress(fraction, message).
  function waitJob(id, onProgress) {
    return new Promise((resolve, reject) => {
      const tick = () => call("GET", `/api/v1/jobs/${id}`).then((job) => {
        onProgress(job.progress || 0, job.message || job.status);
        if (job.status === "done") resolve(job);
        else if (job.status === "failed") {
          const error = new Error(job.error || job.message || "job failed");
          error.job = job.id;  // a failed job can be run again (POST /api/v1/jobs/<id>/again)
          reject(error);
        } else setTimeout(tick, 400);
      }, reject);
      tick();
    });
  }

  function progressUI(box) {
    const bar = box.querySelector("progress");
    const text = box.querySelector("span");
    return (fraction, message) => {
      box.hidden = false;
      bar.value = fraction;
      text.textContent = `${Math.round(fraction * 100)}% · ${message}`;
    };
  }

  window.Drills = { call, waitJob, progressUI, escape, csrf };

  const page = document.getElementById("drills-page");
  const button = document.getElementById("plan-year");
  if (!page || !button) return;
  const scenario = page.dataset.scenario;
  const api = (path) => `/api/v1/scenarios/${encodeURIComponent(scenario)}/${path}`;
  const errorBox = document.getElementById("drills-error");
  const again = document.getElementById("plan-again");
  const year = Number(page.dataset.year);
  const version = page.dataset.version ? Number(page.dataset.version) : null;

  // Follow a drills-plan job (just started, run again, or found running) to the stored programme.
  function follow(started) {
    button.disabled = true;
    again.hidden = true;
    errorBox.textContent = "";
    const show = progressUI(document.getElementById("job-status"));
    show(0, Planner.t("queued"));
    started
      .then((job) => waitJob(job.id, show))
      .then((job) => call("POST", api("programmes"), { job: job.id, expected_version: version }))
      .then((saved) => {
        show(1, Planner.t("stored: %(n)s drills (version %(version)s)", { n: saved.drills, version: saved.version }));
        window.location.reload();
      })
      .catch((error) => failed(error.message, error.job));
  }

  function failed(message, jobId) {
    errorBox.textContent = `${Planner.t("Planning failed")}: ${message}`;
    button.disabled = false;
    if (jobId) {
      again.hidden = false;
      again.onclick = () => follow(call("POST", `/api/v1/jobs/${encodeURIComponent(jobId)}/again`));
    }
  }

  button.addEventListener("click", () => {
    if (version && !window.confirm(Planner.t("Re-planning replaces the stored programme of %(year)s. Continue?", { year }))) return;
    follow(call("POST", api("programmes/plan"), { year }));
  });

  // The latest planning of this year, started before this page was opened: still running (follow it), or
  // interrupted by a server stop (say so and offer to run it again).
  call("GET", `/api/v1/jobs?scenario=${encodeURIComponent(scenario)}&kind=drills-plan`).then((answer) => {
    const latest = answer.jobs.find((job) => job.params && job.params.year === year);
    if (!latest) return;
    if (latest.status === "queued" || latest.status === "running") follow(Promise.resolve(latest));
    else if (latest.status === "failed" && latest.error === "interrupted: the server stopped") {
      failed(latest.error, latest.id);
    }
  }, () => {});
})();
