// Corrective-action board: raise an action by hand; edit a card (owner, due date, priority, capability) or move
// it between open / in progress / closed (needs a verifier and evidence) / cancelled (needs a reason), sending
// the version the card was read at so a concurrent change is a 409, not an overwrite.
(function () {
  "use strict";
  const D = window.Drills;
  const page = document.getElementById("actions-page");
  const scenario = page.dataset.scenario;
  document.querySelectorAll("form.move-action").forEach((form) => form.addEventListener("submit", (event) => {
    event.preventDefault();
    const card = form.closest(".action-card");
    const box = form.querySelector(".card-error");
    box.textContent = "";
    const body = { status: form.status.value, verified_by: form.verified_by.value, note: form.note.value,
                   owner: form.owner.value, due: form.due.value, priority: form.priority.value, capability: form.capability.value,
                   evidence: form.evidence.value, cancel_reason: form.cancel_reason.value, version: Number(card.dataset.version) };
    D.call("PATCH", `/api/v1/scenarios/${encodeURIComponent(scenario)}/actions/${encodeURIComponent(card.dataset.action)}`, body)
      .then(() => window.location.reload(), (error) => {
        box.textContent = error.message;
        if (error.field && form[error.field]) form[error.field].classList.add("invalid");
      });
  }));
  const create = document.getElementById("new-action");
  if (create) create.addEventListener("submit", (event) => {
    event.preventDefault();
    const box = document.getElementById("board-error");
    box.textContent = "";
    const body = { text: create.text.value, owner: create.owner.value, due: create.due.value, drill: create.drill.value || null,
                   priority: create.priority.value, capability: create.capability.value };
    D.call("POST", `/api/v1/scenarios/${encodeURIComponent(scenario)}/actions`, body).then(() => window.location.reload(),
      (error) => { box.textContent = `${error.message}${error.field ? ` (field: ${error.field})` : ""}`; });
  });
})();
