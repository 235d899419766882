// The inventory list: the filter box hides the rows that do not contain its text.
(function () {
  "use strict";
  document.getElementById("filter").addEventListener("input", (e) => {
    const q = e.target.value.toLowerCase();
    document.querySelectorAll("#records tbody tr").forEach((tr) => { tr.hidden = q && !tr.textContent.toLowerCase().includes(q); });
  });
})();
