// The cockpit's charts, drawn from the JSON endpoint (the tables beside them hold the same numbers).
(function () {
  "use strict";
  const root = document.getElementById("cockpit");
  if (!root || typeof echarts === "undefined") { return; }

  // Where the three regions lie, roughly (longitude, latitude of the capitals): a flow map without tiles.
  const POS = { "110000": [116.4, 39.9], "120000": [117.2, 39.1], "130000": [114.5, 38.0] };
  const charts = [];

  function chart(key, option) {
    const el = document.getElementById("chart-" + key);
    if (!el) { return; }
    const c = echarts.init(el);
    c.setOption(Object.assign({ animation: false, tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { top: 40, left: 60, right: 60, bottom: 40 } }, option));
    el.dataset.rendered = "1";
    charts.push(c);
  }

  function bars(categories, series, extra) {
    return Object.assign({
      xAxis: { type: "category", data: categories, axisLabel: { interval: 0 } },
      yAxis: [{ type: "value" }, { type: "value" }],
      series: series,
    }, extra || {});
  }

  function flow(labels, provinces, edges, valueKey, unit) {
    const nodes = Object.keys(POS).map(function (p) {
      return { name: labels.provinces[p], x: POS[p][0] * 100, y: -POS[p][1] * 100, symbolSize: 48,
        itemStyle: { opacity: provinces.indexOf(p) >= 0 ? 1 : 0.5 } };
    });
    const max = Math.max(1, ...edges.map(function (e) { return e[valueKey]; }));
    const links = edges.map(function (e) {
      return { source: labels.provinces[e.from], target: labels.provinces[e.to], value: e[valueKey],
        lineStyle: { width: 1 + 9 * e[valueKey] / max, curveness: e.from === e.to ? 0.8 : 0.25 },
        label: { show: true, formatter: String(e[valueKey]) + (unit || "") } };
    });
    return { tooltip: { trigger: "item" }, series: [{ type: "graph", layout: "none", roam: false,
      label: { show: true }, edgeSymbol: ["none", "arrow"], edgeSymbolSize: 10, autoCurveness: true,
      data: nodes, links: links }] };
  }

  fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (body) {
      const f = body.figures, L = body.labels, P = f.provinces;
      const names = P.map(function (p) { return L.provinces[p]; });

      const apps = Array.from(new Set(f.deadlines.map(function (d) { return d.app; })));
      const sumBy = function (app, k) {
        return f.deadlines.filter(function (d) { return d.app === app; }).reduce(function (a, d) { return a + d[k]; }, 0);
      };
      chart("deadlines", bars(apps.map(function (a) { return L.apps[a] || a; }), [
        { name: L.open, type: "bar", data: apps.map(function (a) { return sumBy(a, "open"); }) },
        { name: L.overdue, type: "bar", data: apps.map(function (a) { return sumBy(a, "overdue"); }) },
      ]));

      chart("cooperation", bars(names, [
        { name: L.applications, type: "bar", data: P.map(function (p) { return f.cooperation[p].applications; }) },
        { name: L.projects, type: "bar", data: P.map(function (p) { return f.cooperation[p].projects; }) },
        { name: L.funding, type: "line", yAxisIndex: 1, data: P.map(function (p) { return f.cooperation[p].approved_funding; }) },
      ]));

      chart("transfer", bars(names, [
        { name: L.deals_within, type: "bar", stack: "d", data: P.map(function (p) { return f.transfer[p].deals_within; }) },
        { name: L.deals_outside, type: "bar", stack: "d", data: P.map(function (p) { return f.transfer[p].deals - f.transfer[p].deals_within; }) },
      ]));

      chart("talent", bars(names, [
        { name: L.requests, type: "bar", data: P.map(function (p) { return f.talent[p].requests; }) },
        { name: L.median_days, type: "line", yAxisIndex: 1, data: P.map(function (p) { return f.talent[p].median_days_to_decision; }) },
      ]));

      const vr = f.vouchers.regions;
      chart("vouchers", bars(names, [
        { name: L.budget, type: "bar", data: P.map(function (p) { return vr[p].budget; }) },
        { name: L.issued, type: "bar", data: P.map(function (p) { return vr[p].issued; }) },
        { name: L.redeemed, type: "bar", data: P.map(function (p) { return vr[p].redeemed; }) },
      ]));

      chart("voucher_flow", flow(L, P, f.vouchers.flow, "amount", ""));
      chart("referrals", flow(L, P, f.referrals, "referrals", ""));

      const cats = f.scoreboard.map(function (s) { return (L.request_types[s.type] || s.type) + " · " + L.provinces[s.province]; });
      const pct = function (v) { return v === null ? null : Math.round(v * 1000) / 10; };
      chart("scoreboard", bars(cats, [
        { name: L.accepted_7d + " %", type: "bar", data: f.scoreboard.map(function (s) { return pct(s.accepted_7d_share); }) },
        { name: L.answered_on_time + " %", type: "bar", data: f.scoreboard.map(function (s) { return pct(s.answered_on_time_share); }) },
      ], { xAxis: { type: "category", data: cats, axisLabel: { interval: 0, rotate: 20, fontSize: 10 } },
           yAxis: { type: "value", max: 100 }, grid: { top: 40, left: 50, right: 20, bottom: 90 } }));

      root.dataset.loaded = "1";
    })
    .catch(function (err) { root.dataset.error = String(err); });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
