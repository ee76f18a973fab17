// The dashboard's page: it polls the server's JSON documents and redraws
// them in place, so what the ledger records appears without a reload.
// Every value from the ledger is set as text, never as markup.
"use strict";

const REFRESH_MS = 2000;
const $ = (sel) => document.querySelector(sel);

// el builds an element: el("td", {class: "x"}, "text", otherNode).
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === "") continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

function when(iso) {
  if (!iso || iso.startsWith("0001-")) return "-";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function ago(iso) {
  if (!iso || iso.startsWith("0001-")) return "";
  const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

const releaseLink = (image, version) =>
  el("a", {href: `#/release/${encodeURIComponent(image)}/${encodeURIComponent(version)}`, class: "release-link"}, `${image}@${version}`);

// get fetches a JSON document; a failure says why, in words for a person.
async function get(path) {
  let res;
  try {
    res = await fetch(path, {cache: "no-store"});
  } catch (e) {
    throw new Error("bake ui does not answer (was it stopped?)");
  }
  let body;
  try {
    body = await res.json();
  } catch (e) {
    throw new Error(`${path} answered ${res.status} without a document`);
  }
  if (!res.ok) throw new Error(body.error || `${path} answered ${res.status}`);
  return body;
}

function showError(msg) {
  const box = $("#error");
  box.hidden = !msg;
  box.textContent = msg ? `Could not read the ledger or what runs: ${msg}. The page shows what it read last and tries again.` : "";
}

// ---- the matrix -------------------------------------------------------

function renderMatrix(m) {
  $("#project").textContent = m.project;
  document.title = `bake · ${m.project}`;
  const lockBadge = (l) => {
    if (l.frozen) return el("div", {class: "badge frozen", title: `since ${when(l.since)}; bake unlock ${l.env} lifts it`}, `frozen by ${l.holder}: ${l.reason}`);
    if (l.stale) return el("div", {class: "badge interrupted", title: `since ${when(l.since)}`}, `stale lock: ${l.what || l.holder}`);
    return el("div", {class: "badge locked", title: `since ${when(l.since)}, expires ${when(l.expires)}`}, `locked: ${l.what || "an operation"} by ${l.holder}`);
  };
  const head = el("tr", {}, el("th", {}, "image"), m.environments.map((env) =>
    el("th", {"data-env": env}, env, m.locks.filter((l) => l.env === env).map(lockBadge))));
  $("#matrix thead").replaceChildren(head);
  $("#matrix tbody").replaceChildren(...m.images.map((row) => {
    const byEnv = Object.fromEntries(row.cells.map((c) => [c.env, c]));
    return el("tr", {"data-image": row.image},
      el("th", {scope: "row"}, row.image,
        el("div", {class: "latest"}, row.latest_release ? `latest ${row.latest_release}` : "no release yet"),
        row.outdated_base ? el("div", {class: "badge outdated"}, `newer base: ${row.outdated_base}`) : null),
      m.environments.map((env) => byEnv[env] ? cell(row.image, byEnv[env]) : el("td", {class: "empty"}, "no target")));
  }));
  renderAlerts(m);
}

function cell(image, c) {
  const classes = ["cell", `health-${c.health.state}`];
  if (c.drift && c.drift.length) classes.push("drift");
  if (c.interrupted) classes.push("interrupted");
  const running = c.replicas.filter((r) => r.running && r.version === c.version).length;
  return el("td", {class: classes.join(" "), "data-image": image, "data-env": c.env},
    el("div", {class: "head"},
      el("span", {class: `dot ${c.health.state}`, title: c.health.detail}),
      c.version ? el("span", {class: "version"}, releaseLink(image, c.version)) : el("span", {class: "version none"}, "nothing recorded"),
      c.pinned ? el("span", {class: "badge pinned", title: `${c.pinned.reason} (by ${c.pinned.by}, ${when(c.pinned.at)})`}, "pinned") : null,
      c.revoked ? el("span", {class: "badge revoked", title: c.revoked}, "revoked") : null,
      c.outdated_base ? el("span", {class: "badge outdated"}, "outdated base") : null),
    el("div", {class: "health", title: c.health.detail}, c.health.state === "healthy" ? c.health.detail : `${c.health.state}: ${c.health.detail}`),
    c.version ? el("div", {class: "meta"}, `${running} running · since ${when(c.since)} (${ago(c.since)}) by ${c.by}`) : null,
    c.previous ? el("div", {class: "meta"}, "replaced ", c.previous) : null,
    c.warm.map((v) => el("span", {class: "badge warm", title: "running out of traffic: a rollback switches to it at once"}, `warm ${v}`)),
    c.stopped.map((v) => el("span", {class: "badge stopped", title: "stopped, kept for rollback"}, `stopped ${v}`)),
    c.canary ? canaryBox(image, c.canary) : null,
    c.listen ? el("div", {class: "meta"}, `front door ${c.listen}`) : null,
    c.notes.map((n) => el("div", {class: "meta"}, n)));
}

// canaryBox is a canary under way beside the cell's release: its share of
// requests, its step, how long the step has left (or that it is held),
// and how the analysis judged the step before.
function canaryBox(image, k) {
  let left = "starting";
  if (k.held) left = "held";
  else if (k.until) left = `${Math.max(0, Math.round((new Date(k.until).getTime() - Date.now()) / 1000))}s left`;
  const where = k.step ? `${k.weight}% · step ${k.step}/${k.steps} · ${left}` : `replicas starting · ${k.steps} steps`;
  const ms = k.analysis || [];
  const failed = ms.some((m) => !m.passed && !m.reported);
  return el("div", {class: `canary${k.held ? " held" : ""}`, "data-canary": k.version},
    el("div", {}, el("span", {class: "badge canary"}, "canary"), " ", releaseLink(image, k.version), " ", el("span", {class: "where"}, where)),
    ms.length ? el("div", {class: `meta analysis ${failed ? "failed" : "passed"}`, title: analysisText(ms)},
      `step ${k.step - 1} analysis ${failed ? "failed" : "passed"}: ${analysisText(ms)}`) : null);
}

// measureText says what one measurement saw, as bake history does:
// "error rate 0.4% (baseline 0.35%, at most 1.35%): passed".
function measureText(m) {
  const val = (v) => String(Number(v.toPrecision(4))) + (m.unit || "");
  // A canary-only value (a Prometheus query's) has no baseline in its JSON.
  const base = !m.canary_only && ((m.baseline || 0) !== 0 || m.baseline_requests > 0);
  if (m.reported) return `${m.name} ${val(m.canary)}` + (base ? ` (baseline ${val(m.baseline)})` : "");
  const within = (base ? [`baseline ${val(m.baseline)}`] : m.canary_only ? ["canary only"] : []).concat(`${m.min ? "at least" : "at most"} ${val(m.limit)}`);
  return `${m.name} ${val(m.canary)} (${within.join(", ")}): ${m.passed ? "passed" : "failed"}`;
}

// analysisText puts a record's measurements in one line, failed first.
function analysisText(ms) {
  const failed = ms.filter((m) => !m.passed && !m.reported);
  return failed.concat(ms.filter((m) => !failed.includes(m))).map(measureText).join("; ");
}

function renderAlerts(m) {
  const items = [];
  for (const row of m.images) {
    for (const c of row.cells) {
      if (c.interrupted) items.push(el("li", {class: "interrupted"}, el("b", {}, "interrupted "), `${row.image} in ${c.env}: ${c.interrupted}; run `, el("code", {}, `bake recover ${c.env}`)));
      for (const d of c.drift || []) items.push(el("li", {class: "drift"}, el("b", {}, "drift "), `${row.image} in ${c.env}: ${d}`));
      if (c.live_unavailable) items.push(el("li", {class: "unknown"}, el("b", {}, "live state unavailable "), `${row.image} in ${c.env}: ${c.live_unavailable}`));
      if (c.revoked) items.push(el("li", {class: "drift"}, el("b", {}, "revoked "), `${c.env} runs ${row.image}@${c.version}, which was revoked: ${c.revoked}`));
    }
  }
  for (const l of m.locks.filter((l) => l.stale)) {
    items.push(el("li", {class: "interrupted"}, el("b", {}, "stale lock "), `${l.env} is locked by ${l.holder}, whose process is gone; run `, el("code", {}, `bake recover ${l.env}`)));
  }
  $("#alerts").replaceChildren(...items);
}

// ---- the history ------------------------------------------------------

// stepText says where a canary stood, as bake history does.
function stepText(c) {
  return `step ${c.step}/${c.steps}: ${c.weight}%` + (c.held ? ", held" : "");
}

function renderHistory(h) {
  // A canary's started record has its step changes above it (newest
  // first): it is a canary under way, not a deployment gone quiet.
  const stepped = new Set();
  $("#history tbody").replaceChildren(...h.events.map((e) => {
    const what = e.kind === "release" ? "recorded" : e.kind;
    const key = `${e.image}|${e.env}|${e.version}`;
    let outcome = e.outcome, state = e.outcome;
    if (e.step) stepped.add(key);
    if (e.outcome === "started") outcome = "no outcome yet: under way or interrupted";
    if (e.outcome === "started" && stepped.has(key)) [outcome, state] = ["canary under way or interrupted: its steps are above", "canary"];
    if (e.step) outcome = e.step;
    return el("tr", {class: `event ${e.kind} outcome-${state}`},
      el("td", {title: ago(e.at)}, when(e.at)),
      el("td", {}, releaseLink(e.image, e.version), e.previous ? el("span", {class: "meta"}, ` replacing ${e.previous}`) : null),
      el("td", {}, e.env || ""),
      el("td", {}, what),
      el("td", {class: "outcome"}, outcome),
      el("td", {}, e.by),
      el("td", {class: "reason"}, [e.reason, e.analysis && `${e.analysis_of || "analysis"}: ${e.analysis}`].filter(Boolean).join("; ")));
  }));
}

// ---- a release --------------------------------------------------------

function renderRelease(r) {
  const rows = [];
  const row = (k, v) => { if (v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && !v.length)) rows.push(el("tr", {}, el("th", {}, k), el("td", {}, v))); };
  const pv = r.provenance || {};
  row("status", el("span", {class: `badge status-${r.status}`}, r.status));
  if (r.revoked) row("revoked", `by ${r.revoked.by} at ${when(r.revoked.at)}: ${r.revoked.reason}`);
  row("digest", el("code", {}, r.digest));
  row("reference", el("code", {}, r.reference));
  for (const p of pv.platforms || []) row(`platform ${p.platform}`, el("code", {}, p.digest));
  for (const [region, ami] of Object.entries(r.amis || {})) row(`ami ${region}`, ami);
  row("inputs digest", el("code", {}, r.inputs_digest));
  row("template digest", pv.template_digest ? el("code", {}, pv.template_digest) : "");
  row("git commit", r.git_commit ? r.git_commit + (pv.git_dirty ? " (with uncommitted changes)" : "") : "");
  row("builder", pv.builder ? `${pv.builder} (${pv.builder_version})` : "");
  if (pv.built_at && !pv.built_at.startsWith("0001-")) row("built", `${when(pv.built_at)} in ${(pv.build_duration_ns / 1e9).toFixed(1)}s`);
  row("reuses the artifact of", pv.reused_from);
  row("recorded", `${when(r.created_at)} by ${r.created_by}`);
  row("signature", r.signed || "not signed");
  row("runs in", r.runs_in.join(", ") || "no environment");
  row("kept warm in", r.warm_in.join(", "));
  for (const [env, ref] of Object.entries(r.copies || {})) row(`copy for ${env}`, el("code", {}, ref));
  for (const a of r.approvals || []) row(`approved for ${a.env}`, `by ${a.by} at ${when(a.at)}`);
  row("base chain", r.base_chain.length ? el("ol", {class: "chain"}, r.base_chain.map((b) => {
    const [image, version] = b.ref.split("@");
    return el("li", {}, b.missing ? `${b.ref}: ${b.missing}` : releaseLink(image, version), b.status ? ` (${b.status})` : "");
  })) : "built on no recorded release");

  const checks = el("table", {class: "checks"},
    el("thead", {}, el("tr", {}, el("th", {}, "check"), el("th", {}, "kind"), el("th", {}, "result"), el("th", {}, "took"), el("th", {}, "output"))),
    el("tbody", {}, (r.checks || []).map((c) => el("tr", {class: `check ${c.passed ? "passed" : "failed"}`},
      el("td", {}, c.name, c.platform ? ` on ${c.platform}` : ""), el("td", {}, c.kind),
      el("td", {class: "result"}, c.passed ? "passed" : "FAILED"),
      el("td", {}, `${(c.duration_ns / 1e9).toFixed(2)}s`),
      el("td", {}, el("pre", {}, c.detail))))));

  const deps = el("table", {class: "deployments"},
    el("thead", {}, el("tr", {}, el("th", {}, "when"), el("th", {}, "env"), el("th", {}, "what"), el("th", {}, "outcome"), el("th", {}, "by"), el("th", {}, "reason"))),
    el("tbody", {}, r.deployments.map((d) => el("tr", {class: `outcome-${d.outcome}`},
      el("td", {}, when(d.outcome === "started" ? d.started_at : d.finished_at)), el("td", {}, d.env), el("td", {}, d.kind + (d.previous ? ` replacing ${d.previous}` : "")),
      el("td", {class: "outcome"}, d.canary && d.outcome === "step" ? stepText(d.canary) : d.outcome), el("td", {}, d.by), el("td", {class: "reason"}, [d.reason, d.analysis && d.analysis.length && `${d.outcome === "step" && d.canary && d.canary.step > 1 ? `analysis of step ${d.canary.step - 1}` : "analysis"}: ${analysisText(d.analysis)}`].filter(Boolean).join("; "))))));

  $("#release").replaceChildren(
    el("p", {}, el("a", {href: "#/"}, "← all environments")),
    el("h2", {}, `${r.image}@${r.version}`),
    el("table", {class: "fields"}, el("tbody", {}, rows)),
    el("h3", {}, `Checks (${(r.checks || []).length})`), checks,
    el("h3", {}, "Deployments"), r.deployments.length ? deps : el("p", {}, "never deployed (among the image's recent deployments)"));
}

// ---- routing and refresh ----------------------------------------------

function route() {
  const m = location.hash.match(/^#\/release\/([^/]+)\/([^/]+)$/);
  return m ? {release: [decodeURIComponent(m[1]), decodeURIComponent(m[2])]} : {};
}

// Only the newest refresh renders and schedules the next: a hash change
// during a read starts one of its own.
let timer = null;
let generation = 0;
async function refresh() {
  clearTimeout(timer);
  const mine = ++generation;
  const r = route();
  $("#overview").hidden = !!r.release;
  $("#release").hidden = !r.release;
  try {
    if (r.release) {
      const [image, version] = r.release;
      const rel = await get(`/api/releases/${encodeURIComponent(image)}/${encodeURIComponent(version)}`);
      if (mine !== generation) return;
      renderRelease(rel);
    } else {
      const [m, h] = await Promise.all([get("/api/matrix"), get("/api/history")]);
      if (mine !== generation) return;
      renderMatrix(m);
      renderHistory(h);
    }
    showError("");
    $("#freshness").textContent = `updated ${when(new Date().toISOString())}`;
  } catch (e) {
    if (mine !== generation) return;
    showError(e.message);
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

window.addEventListener("hashchange", refresh);
refresh();
