// Corrective-action board: move a card between open / in progress / closed (closing needs a verifier),
// sending the version the card was read at so a concurrent change is a 409, not an overwrite.
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
                   version: Number(card.dataset.version) };
    D.call("PATCH", `/api/v1/scenarios/${encodeURIComponent(scenario)}/actions/${encodeURIComponent(card.dataset.action)}`, body)
      .then(() => window.location.reload(), (error) => {
        box.textContent = error.message;
        if (error.field && form[error.field]) form[error.field].classList.add("invalid");
      });
  }));
})();
