// Exercise set-up: edit the MSEL (add, edit, delete, reorder injects; CSV/XLSX import) and the drill's exercise
// roles; every save sends the version read, so two editors of one inject get a conflict, not an overwrite.
(function () {
  "use strict";
  const D = window.Drills;
  const page = document.getElementById("exercise-page");
  const data = JSON.parse(document.getElementById("exercise-data").textContent);
  const api = (path) => `/api/v1/scenarios/${encodeURIComponent(page.dataset.scenario)}/drills/${page.dataset.key}/${path}`;
  const $ = (id) => document.getElementById(id);
  const FIELDS = ["id", "offset_min", "from", "to", "mode", "text", "expected_action", "objective", "capability", "controller", "contingency_for", "branch", "option"];
  const MODES = ["message", "phone", "radio", "in_person"];
  const ROLES = ["director", "controller", "evaluator", "player"];
  const show = (box, error) => { box.textContent = `${error.message}${error.field ? ` (field: ${error.field})` : ""}`; };
  const opts = (values, current, blank) => (blank ? ['<option value=""></option>'] : []).concat(values.map((v) => `<option ${v === current ? "selected" : ""}>${D.escape(v)}</option>`)).join("");

  function injectRow(inject) {
    const row = document.createElement("tr");
    row.dataset.inject = inject.id || "";
    row.dataset.closures = JSON.stringify(inject.closures ?? null); // kept as it came (edited by the API or CSV/XLSX)
    row.innerHTML = FIELDS.map((f) => {
      const v = inject[f] ?? "";
      if (f === "mode") return `<td><select name="mode">${opts(MODES, v || "message")}</select></td>`;
      if (f === "objective") return `<td><select name="objective">${opts(data.objectives, v, true)}</select></td>`;
      const wide = f === "text" || f === "expected_action";
      return `<td>${wide ? `<textarea name="${f}" rows="2">${D.escape(v)}</textarea>` : `<input name="${f}" value="${D.escape(v)}" ${f === "offset_min" ? 'type="number" step="0.1" min="0"' : ""}>`}</td>`;
    }).join("") + '<td class="row-tools"><button type="button" class="link up">↑</button><button type="button" class="link down">↓</button><button type="button" class="link remove">×</button></td>';
    row.querySelector(".up").addEventListener("click", () => { if (row.previousElementSibling) row.parentNode.insertBefore(row, row.previousElementSibling); });
    row.querySelector(".down").addEventListener("click", () => { if (row.nextElementSibling) row.parentNode.insertBefore(row.nextElementSibling, row); });
    row.querySelector(".remove").addEventListener("click", () => row.remove());
    if (!data.can_edit_msel) row.querySelectorAll("input, select, textarea, button").forEach((el) => { el.disabled = true; });
    return row;
  }

  function drawMsel(msel) {
    const body = $("msel-table").tBodies[0];
    body.innerHTML = "";
    msel.injects.forEach((i) => body.appendChild(injectRow(i)));
    page.dataset.mselVersion = msel.version || "";
    $("msel-state").textContent = msel.version ? `${Planner.t("version")} ${msel.version}` : Planner.t("template injects (not stored yet)");
  }

  function injectsFromTable() {
    return Array.from($("msel-table").tBodies[0].rows).map((row) => {
      const item = {};
      FIELDS.forEach((f) => {
        const value = row.querySelector(`[name=${f}]`).value.trim();
        if (f === "offset_min") item[f] = value === "" ? null : Number(value);
        else if (["objective", "contingency_for", "branch", "option"].includes(f)) item[f] = value || null;
        else item[f] = value;
      });
      const closures = JSON.parse(row.dataset.closures || "null");
      if (closures !== null) item.closures = closures;
      return item;
    });
  }

  const mselVersion = () => (page.dataset.mselVersion ? Number(page.dataset.mselVersion) : null);
  drawMsel(data.msel);
  if ($("add-inject")) $("add-inject").addEventListener("click", () => {
    const n = $("msel-table").tBodies[0].rows.length + 1;
    $("msel-table").tBodies[0].appendChild(injectRow({ id: `N${n}`, offset_min: 0, mode: "message", text: "" }));
  });
  if ($("save-msel")) $("save-msel").addEventListener("click", () => {
    $("msel-error").textContent = "";
    D.call("PUT", api("msel"), { injects: injectsFromTable(), expected_version: mselVersion() })
      .then((msel) => drawMsel(msel), (error) => show($("msel-error"), error));
  });
  if ($("msel-file")) $("msel-file").addEventListener("change", () => {
    const file = $("msel-file").files[0];
    if (!file) return;
    const xlsx = file.name.toLowerCase().endsWith(".xlsx");
    const version = mselVersion();
    file.arrayBuffer().then((body) => fetch(api(`msel/import?format=${xlsx ? "xlsx" : "csv"}${version ? `&expected_version=${version}` : ""}`), {
      method: "POST", credentials: "same-origin", body,
      headers: { "Content-Type": xlsx ? "application/octet-stream" : "text/csv", "X-CSRFToken": D.csrf() },
    })).then((r) => (r.ok ? r.json() : Planner.failJSON(r))).then((msel) => drawMsel(msel), (error) => show($("msel-error"), error));
  });

  // ---- roles -----------------------------------------------------------------------------------
  function roleRow(a) {
    const row = document.createElement("tr");
    row.innerHTML = `<td><select name="user">${opts(data.users, a.user, true)}</select></td><td><select name="role">${opts(ROLES, a.role)}</select></td>
      <td><input name="objectives" value="${D.escape((a.objectives || []).join(", "))}" placeholder="O1, O2"></td>
      <td><select name="team">${opts(data.teams, a.team || "", true)}</select></td><td><button type="button" class="link remove">×</button></td>`;
    row.querySelector(".remove").addEventListener("click", () => row.remove());
    if (!data.can_edit_roles) row.querySelectorAll("input, select, button").forEach((el) => { el.disabled = true; });
    return row;
  }
  const rolesBody = $("roles-table").tBodies[0];
  data.setup.roles.forEach((a) => rolesBody.appendChild(roleRow(a)));
  if ($("add-role")) $("add-role").addEventListener("click", () => rolesBody.appendChild(roleRow({ role: "player" })));
  if ($("save-roles")) $("save-roles").addEventListener("click", () => {
    $("roles-error").textContent = "";
    const roles = Array.from(rolesBody.rows).map((row) => ({
      user: row.querySelector("[name=user]").value, role: row.querySelector("[name=role]").value,
      objectives: row.querySelector("[name=objectives]").value.split(",").map((s) => s.trim()).filter(Boolean),
      team: row.querySelector("[name=team]").value || null,
    }));
    const body = { roles, no_notice: $("no-notice").checked, window_start: $("window-start").value || null,
                   window_end: $("window-end").value || null, expected_version: page.dataset.setupVersion ? Number(page.dataset.setupVersion) : null };
    D.call("PUT", api("exercise"), body).then((saved) => { page.dataset.setupVersion = saved.version; $("roles-error").textContent = `${Planner.t("saved")} (${Planner.t("version")} ${saved.version})`; },
      (error) => show($("roles-error"), error));
  });
})();
