// The live exercise: polls the conduct API every 0.7 s (everyone's page is current within 2 s), shows the
// exercise clock between polls, the director's controls, the due injects with Release, one-tap milestones
// and notes stamped by the server, the injects received (players) and the observation log.
(function () {
  "use strict";
  const D = window.Drills;
  const page = document.getElementById("conduct-page");
  const api = (path) => `/api/v1/scenarios/${encodeURIComponent(page.dataset.scenario)}/drills/${page.dataset.key}/${path}`;
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 700;
  let last = null;
  let fetchedAt = 0;
  const fail = (error) => { $("conduct-error").textContent = `${error.message}${error.field ? ` (field: ${error.field})` : ""}`; };
  const clear = () => { $("conduct-error").textContent = ""; };
  const mmss = (minutes) => { const s = Math.floor(minutes * 60); return `T+${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`; };

  function tick() {
    if (!last) return;
    const running = last.state === "running";
    const minutes = last.exercise_min + (running ? ((Date.now() - fetchedAt) / 60000) * last.speed : 0);
    $("clock").textContent = mmss(minutes);
    $("clock").dataset.minutes = minutes.toFixed(2);
  }

  const injectText = (i) => `<b>${D.escape(i.id || i.inject)}</b> T+${i.offset_min ?? i.scheduled_min} · ${D.escape(i.mode)} ${i.from ? `${D.escape(i.from)} → ` : ""}${D.escape(i.to || "")}<br>${D.escape(i.text)}`;

  function draw(c) {
    last = c;
    fetchedAt = Date.now();
    $("state").textContent = c.state;
    $("state").dataset.state = c.state;
    $("speed").textContent = `×${c.speed}`;
    tick();
    const director = $("director");
    if (director) {
      $("startex").disabled = c.state !== "planned";
      $("pause").disabled = c.state !== "running";
      $("resume").disabled = c.state !== "paused";
      $("endex").disabled = !["running", "paused"].includes(c.state);
      $("branches").innerHTML = Object.entries(c.branches).map(([b, ch]) => `<span class="tag">${D.escape(b)}: ${D.escape(ch.option)} (${ch.how}${ch.seed !== null ? `, seed ${ch.seed}` : ""})</span>`).join(" ");
    }
    if ($("due")) {
      const key = (list) => list.map((i) => i.id).join(",");
      if ($("due").dataset.ids !== key(c.due) || $("due").dataset.state !== c.state) {
        $("due").dataset.ids = key(c.due);
        $("due").dataset.state = c.state;
        $("due").innerHTML = c.due.map((i) => `<li data-inject="${D.escape(i.id)}">${injectText(i)}<br><i>${D.escape(i.expected_action)}</i>
          <button type="button" class="release" data-inject="${D.escape(i.id)}" ${c.state === "running" ? "" : "disabled"}>${Planner.t("Release")}</button></li>`).join("") || "<li class=\"hint\">" + Planner.t("none") + "</li>";
      }
      $("upcoming").innerHTML = c.upcoming.map((i) => `<li>${injectText(i)}</li>`).join("");
      $("contingencies").innerHTML = c.contingencies.map((i) => `<li>${injectText(i)} <button type="button" class="release" data-inject="${D.escape(i.id)}">${Planner.t("Release contingency")}</button></li>`).join("");
    }
    $("released").innerHTML = c.released.map((r) => `<li data-inject="${D.escape(r.inject)}"><span class="hint">T+${r.exercise_min}</span> ${D.escape(r.mode)} ${r.from ? `${D.escape(r.from)} → ` : ""}${D.escape(r.to || "")}<br>${D.escape(r.text)}</li>`).join("");
    const log = $("observations");
    if (log) {
      log.tBodies[0].innerHTML = c.observations.slice().reverse().map((o) => `<tr data-seq="${o.seq}"><td>${o.seq}</td><td class="time">${o.exercise_min}</td><td class="event">${D.escape(o.event)}</td><td>${D.escape(o.team)}</td><td>${D.escape(o.objective || "")}</td><td>${D.escape(o.note)}</td><td>${D.escape(o.by)}</td><td>${D.escape(o.at.slice(11, 19))}</td></tr>`).join("");
      $("after").hidden = c.state !== "ended";
      $("evaluation-note").textContent = c.evaluated ? Planner.t("Evaluated from the log.") : c.evaluation_note;
    }
  }

  function poll() {
    D.call("GET", api("conduct")).then(draw, fail).finally(() => setTimeout(poll, POLL_MS));
  }

  const clockAction = (action, extra) => () => { clear(); D.call("POST", api("conduct"), { action, ...(extra ? extra() : {}) }).then(draw, fail); };
  if ($("startex")) {
    $("startex").addEventListener("click", clockAction("start", () => ({ speed: Number($("start-speed").value) })));
    $("pause").addEventListener("click", clockAction("pause"));
    $("resume").addEventListener("click", clockAction("resume"));
    $("endex").addEventListener("click", () => { if (window.confirm(Planner.t("End the exercise?"))) clockAction("end")(); });
  }
  page.addEventListener("click", (event) => {
    const button = event.target.closest("button.release");
    if (!button) return;
    clear();
    button.disabled = true;
    D.call("POST", api(`conduct/injects/${encodeURIComponent(button.dataset.inject)}/release`), { msel_version: last ? last.msel_version : null })
      .then(draw, (error) => { fail(error); button.disabled = false; });
  });
  function logObservation(body) {
    clear();
    const team = $("obs-team").value;
    const objective = $("obs-objective").value;
    return D.call("POST", api("conduct/observations"), { team, objective: objective || null, ...body }).then((o) => {
      $("obs-status").textContent = `${Planner.t("logged #")}${o.seq} ${o.event} at T+${o.exercise_min}`;
      return D.call("GET", api("conduct")).then(draw);
    }, fail);
  }
  document.querySelectorAll("button.milestone").forEach((b) => b.addEventListener("click", () => logObservation({ event: b.dataset.event })));
  if ($("log-note")) $("log-note").addEventListener("click", () => logObservation({ event: "note", note: $("obs-note").value }).then(() => { $("obs-note").value = ""; }));
  setInterval(tick, 250);
  poll();
})();
