// A request's map: the incident, and a line from each proposed or committed unit's base to it, coloured by
// where the unit stands (proposed, requested, offered, accepted, en route, on scene, released, returned).
(function () {
  "use strict";
  const el = document.getElementById("request-map");
  const source = document.getElementById("request-data");
  if (!el || !source) return;
  const data = JSON.parse(source.textContent);
  const COLOUR = { proposed: "#9e9e9e", requested: "#1565c0", offered: "#6a1b9a", declined: "#bdbdbd",
                   accepted: "#ef6c00", en_route: "#d7191c", on_scene: "#2e7d32", released: "#00897b", returned: "#455a64" };
  const { map, renderer } = Planner.createMap(el);
  const incident = [data.incident.lat, data.incident.lon];
  const points = [incident];
  L.circleMarker(incident, { renderer, radius: 9, color: "#d7191c", weight: 3, fillOpacity: 0.6 })
    .bindTooltip(Planner.t("Incident")).addTo(map);
  const latest = {};
  data.moves.forEach((m) => { latest[m.unit] = m; }); // a committed unit's status overrides its proposal
  Object.values(latest).forEach((m) => {
    const at = [m.lat, m.lon];
    points.push(at);
    const colour = COLOUR[m.status] || "#9e9e9e";
    L.polyline([at, incident], { renderer, color: colour, weight: 2, dashArray: m.status === "proposed" ? "4 4" : null }).addTo(map);
    L.circleMarker(at, { renderer, radius: 6, color: colour, fillOpacity: 0.8 })
      .bindTooltip(`${Planner.escape(m.unit)} (${Planner.escape(m.lender)}): ${Planner.escape(m.status_label)}`).addTo(map);
  });
  map.fitBounds(L.latLngBounds(points).pad(0.2), { maxZoom: 13 });
})();
