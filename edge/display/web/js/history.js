// The history page: statistics with charts (uPlot, vendored), every shot redrawn on a table
// diagram with its measured and predicted paths, filters by player and day, and drills. It reads
// the REST API (docs/api.md) and refreshes when the box announces a new shot (session_summary)
// or a drill change on the event stream.
import uPlot from "../vendor/uplot/uPlot.esm.js";
import { CuecastClient } from "./client.js";
import { BALL_RADIUS, drawBall } from "./balls.js";

const $ = (id) => document.getElementById(id);
const state = { drillEvents: 0, stats: null, shots: [], cursor: "", selected: null, charts: {}, loads: 0, drill: null, table: { length: 2.54, width: 1.27, pockets: [] } };
// window.cuecast is for tests and a technician's devtools.
window.cuecast = state;

function query(extra) {
  const q = new URLSearchParams();
  const player = $("f-player").value, day = $("f-day").value, type = $("f-type").value;
  if (player) q.set("player", player);
  if (type) q.set("game_type", type);
  if (day) {
    const from = new Date(day + "T00:00:00"); // local midnight: "the day" as the player lived it
    const to = new Date(from.getTime() + 86400e3);
    q.set("from", from.toISOString()); q.set("to", to.toISOString());
  } else {
    q.set("time_range", $("f-range").value);
  }
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return q;
}

async function getJSON(url) {
  const r = await fetch(url);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((body.error && body.error.message) || r.statusText);
  return body;
}

function token() {
  let t = localStorage.getItem("cuecast.token") || "";
  if (!t) { t = prompt("Command token (http.token in the box's config):") || ""; if (t) localStorage.setItem("cuecast.token", t); }
  return t;
}

async function command(method, url, body) {
  const r = await fetch(url, { method, headers: { "Content-Type": "application/json", Authorization: "Bearer " + token() }, body: body === undefined ? undefined : JSON.stringify(body) });
  const out = await r.json().catch(() => ({}));
  if (r.status === 401) localStorage.removeItem("cuecast.token");
  if (!r.ok) throw new Error((out.error && out.error.message) || r.statusText);
  return out;
}

// ---- figures ----

const fmt = (v, d = 0, unit = "") => (v === null || v === undefined || Number.isNaN(v) ? "—" : v.toFixed(d) + unit);

function tiles(st) {
  const t = [
    ["shots", st.shots, "shots"],
    ["pocketing", st.pocketing.attempts ? fmt(st.pocketing.pct, 0, "%") : "—", `pocketed (${st.pocketing.made}/${st.pocketing.attempts})`],
    ["avg-run", fmt(st.runs.avg_run, 1), "balls per inning"],
    ["best-run", st.runs.best_run, "best run"],
    ["run-outs", st.runs.run_outs, `run-outs (${st.runs.break_and_runs} break & run)`],
    ["breaks", st.breaks.count ? fmt(st.breaks.avg_balls_made, 1) : "—", `balls per break (${st.breaks.count})`],
    ["fouls", st.foul_shots, "fouls"],
    ["position", st.position.n ? fmt(st.position.median_cm, 0, " cm") : "—", "cue ball vs prediction (median)"],
    ["path", st.path.n ? fmt(st.path.median_cm, 1, " cm") : "—", "object ball path vs prediction"],
  ];
  $("tiles").replaceChildren(...t.map(([id, v, label]) => {
    const d = document.createElement("div");
    d.className = "tile"; d.id = "t-" + id;
    d.innerHTML = `<b></b><span></span>`;
    d.querySelector("b").textContent = v; d.querySelector("span").textContent = label;
    return d;
  }));
}

function chart(id, opts, data, empty) {
  const el = $(id);
  if (state.charts[id]) { state.charts[id].destroy(); delete state.charts[id]; }
  const n = data[0].length;
  if (!n) { el.innerHTML = `<div class="empty"></div>`; el.firstChild.textContent = empty || "no shots yet"; return; }
  el.replaceChildren();
  const base = { width: Math.max(200, el.clientWidth), height: 210, legend: { show: false }, cursor: { drag: { x: false, y: false } } };
  const axis = { stroke: "#8a98a8", grid: { stroke: "#26313c" }, ticks: { stroke: "#26313c" } };
  opts.axes = (opts.axes || [{}, {}]).map((a) => Object.assign({}, axis, a));
  state.charts[id] = new uPlot(Object.assign(base, opts), data, el);
}

function bars(id, labels, values, counts, colour, yMax, empty) {
  const xs = labels.map((_, i) => i);
  chart(id, {
    scales: { x: { time: false, range: [-0.6, labels.length - 0.4] }, y: { range: [0, yMax || Math.max(1, ...values) * 1.15] } },
    axes: [{ splits: () => xs, values: (u, ticks) => ticks.map((i) => labels[i] ?? "") }, { size: 40 }],
    series: [{}, { label: "value", stroke: colour, fill: colour + "aa", width: 1, points: { show: false }, paths: uPlot.paths.bars({ size: [0.65, 90] }) }],
    hooks: { draw: [(u) => { // counts over the bars: a % of 2 attempts is not a % of 200
      const c = u.ctx; c.save(); c.fillStyle = "#e8edf2"; c.font = `${Math.round(11 * devicePixelRatio)}px sans-serif`; c.textAlign = "center";
      xs.forEach((i) => { if (counts && counts[i] !== undefined) c.fillText(counts[i], u.valToPos(i, "x", true), u.valToPos(values[i], "y", true) - 4 * devicePixelRatio); });
      c.restore();
    }] },
  }, [xs, values], empty);
}

function points(id, xs, ys, colour, empty) {
  chart(id, {
    scales: { x: { time: true }, y: { range: (u, lo, hi) => [0, Math.max(5, hi * 1.1)] } },
    axes: [{}, { size: 40 }],
    series: [{}, { label: "cm", stroke: colour, width: 0, paths: () => null, points: { show: true, size: 7, fill: colour, stroke: colour } }],
  }, [xs, ys], empty);
}

function charts(st, shots) {
  const pk = st.pocketing;
  bars("c-cut", pk.by_cut.map((b) => b.label), pk.by_cut.map((b) => b.pct), pk.by_cut.map((b) => b.attempts ? `${b.made}/${b.attempts}` : ""), "#3ecf6e", 100);
  bars("c-dist", pk.by_distance.map((b) => b.label), pk.by_distance.map((b) => b.pct), pk.by_distance.map((b) => b.attempts ? `${b.made}/${b.attempts}` : ""), "#4aa3f0", 100);
  const h = st.runs.histogram, hl = h.map((_, i) => (i === h.length - 1 ? i + "+" : String(i)));
  bars("c-runs", st.runs.innings ? hl : [], h, h.map(String), "#f5b83d");
  const fouls = Object.entries(st.fouls).sort((a, b) => b[1] - a[1]);
  bars("c-fouls", fouls.map(([k]) => k.replaceAll("_", " ")), fouls.map(([, v]) => v), fouls.map(([, v]) => String(v)), "#f05a4f", 0, "no fouls");
  const sorted = [...shots].sort((a, b) => new Date(a.ended) - new Date(b.ended));
  const pos = sorted.filter((s) => s.features.position_err_cm !== undefined);
  points("c-pos", pos.map((s) => new Date(s.ended) / 1000), pos.map((s) => s.features.position_err_cm), "#c792ea", "no shot with a prediction and a measured cue ball stop");
  const path = sorted.filter((s) => s.features.path_err_cm !== undefined);
  points("c-path", path.map((s) => new Date(s.ended) / 1000), path.map((s) => s.features.path_err_cm), "#7fd3ff", "no shot with a predicted and a measured object ball path");
}

// ---- shots ----

const hhmm = (t) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

function result(s) {
  const f = s.features;
  if (f.fouls && f.fouls.length) return ["foul", f.fouls.join(", ").replaceAll("_", " ")];
  if (f.break) return [f.made ? "made" : "miss", `break, ${f.made} made`];
  if (f.made) return ["made", f.target ? `${f.target} in` : `${f.made} made`];
  return ["miss", f.target ? `missed ${f.target}` : "no ball"];
}

function listShots(append) {
  const ol = $("shot-list");
  if (!append) ol.replaceChildren();
  for (const s of append || state.shots) {
    const li = document.createElement("li");
    li.dataset.id = s.id;
    const [cls, text] = result(s);
    li.innerHTML = `<time></time><span class="who"></span><span class="res"></span>`;
    li.querySelector("time").textContent = hhmm(s.ended);
    li.querySelector(".who").textContent = s.shooter || "—";
    const r = li.querySelector(".res"); r.textContent = text; r.classList.add(cls);
    li.addEventListener("click", () => select(s.id));
    ol.append(li);
  }
}

async function select(id) {
  state.selected = await getJSON("/api/v1/shots/" + encodeURIComponent(id));
  for (const li of $("shot-list").children) li.setAttribute("aria-selected", li.dataset.id === id ? "true" : "false");
  drawShot(state.selected);
}

function drawShot(s) {
  const rec = s.record, f = s.features, sum = rec.summary;
  $("shot-title").textContent = `${s.shooter || "Shot"} · ${new Date(s.ended).toLocaleString()} · ${s.game_type}`;
  const bits = [result(s)[1]];
  if (f.cut_deg !== undefined) bits.push(`cut ${f.cut_deg.toFixed(0)}°`);
  if (f.dist_m !== undefined) bits.push(`${(f.dist_m * 100).toFixed(0)} cm to the object ball`);
  if (f.position_err_cm !== undefined) bits.push(`cue ball stopped ${f.position_err_cm.toFixed(0)} cm from the predicted spot`);
  if (f.path_err_cm !== undefined) bits.push(`object ball ${f.path_err_cm.toFixed(1)} cm off the predicted path`);
  if (rec.decision && rec.decision.message) bits.push(rec.decision.message);
  $("shot-text").textContent = bits.join(" · ");
  $("pic-before").src = s.image_urls && s.image_urls.before ? s.image_urls.before : "";
  $("pic-after").src = s.image_urls && s.image_urls.after ? s.image_urls.after : "";
  if (!$("pic-before").src) $("pic-before").removeAttribute("src");
  if (!$("pic-after").src) $("pic-after").removeAttribute("src");

  const cv = $("diagram"), dpr = window.devicePixelRatio || 1, r = cv.getBoundingClientRect();
  cv.width = Math.round(r.width * dpr); cv.height = Math.round(r.height * dpr);
  const c = cv.getContext("2d"); c.setTransform(dpr, 0, 0, dpr, 0, 0);
  const L = state.table.length, W = state.table.width, rail = 0.1;
  const k = Math.min(r.width / (L + 2 * rail), r.height / (W + 2 * rail));
  const ox = (r.width - L * k) / 2, oy = (r.height + W * k) / 2;
  const X = (x) => ox + x * k, Y = (y) => oy - y * k;
  c.fillStyle = "#4a2c17"; c.fillRect(X(-rail), Y(W + rail), (L + 2 * rail) * k, (W + 2 * rail) * k);
  c.fillStyle = "#1f6e43"; c.fillRect(X(0), Y(W), L * k, W * k);
  c.fillStyle = "#050505";
  for (const p of state.table.pockets) { c.beginPath(); c.arc(X(p.pos.x), Y(p.pos.y), p.radius * k, 0, 2 * Math.PI); c.fill(); }
  const poly = (pts, colour, width, dash) => {
    if (!pts || pts.length < 2) return;
    c.strokeStyle = colour; c.lineWidth = width; c.setLineDash(dash || []);
    c.beginPath(); c.moveTo(X(pts[0].x), Y(pts[0].y)); for (const p of pts.slice(1)) c.lineTo(X(p.x), Y(p.y)); c.stroke(); c.setLineDash([]);
  };
  const num = (id) => (id === "cue" ? 0 : Number(id));
  for (const p of (rec.prediction && rec.prediction.paths) || []) poly(p.points, p.ball === "cue" ? "#cfefff" : "#7fd3ff", 2, [8, 6]);
  for (const p of sum.paths || []) poly(p.points, p.ball === "cue" ? "#ffffff" : "#ffd54a", 2.5);
  if (f.predicted_cue_end) { c.strokeStyle = "#7fd3ff"; c.lineWidth = 2; c.beginPath(); c.arc(X(f.predicted_cue_end.x), Y(f.predicted_cue_end.y), BALL_RADIUS * k, 0, 2 * Math.PI); c.stroke(); }
  // Balls where the shot started (faded) and where they came to rest.
  c.globalAlpha = 0.45;
  for (const b of sum.start || []) drawBall(c, X(b.pos.x), Y(b.pos.y), BALL_RADIUS * k, num(b.id));
  c.globalAlpha = 1;
  for (const b of sum.end || []) drawBall(c, X(b.pos.x), Y(b.pos.y), BALL_RADIUS * k, num(b.id));
  state.drawn = (state.drawn || 0) + 1;
}

// ---- loading ----

async function load() {
  const q = query();
  try {
    const [st, page] = await Promise.all([getJSON("/api/v1/game/stats?" + q), getJSON("/api/v1/game/history?" + query({ limit: 200 }))]);
    state.stats = st; state.shots = page.shots; state.cursor = page.next_cursor || "";
    tiles(st);
    charts(st, page.shots);
    $("shot-count").textContent = `${page.total}`;
    listShots();
    $("more").hidden = !state.cursor;
    if (page.shots.length && (!state.selected || !page.shots.find((s) => s.id === state.selected.id))) await select(page.shots[0].id);
    state.loads++;
  } catch (e) {
    $("tiles").textContent = "Could not load the history: " + e.message;
  }
}

async function more() {
  const page = await getJSON("/api/v1/game/history?" + query({ limit: 200, cursor: state.cursor }));
  state.shots.push(...page.shots); state.cursor = page.next_cursor || "";
  listShots(page.shots);
  $("more").hidden = !state.cursor;
}

async function loadSessions() {
  const s = await getJSON("/api/v1/game/sessions?limit=1");
  const sel = $("f-player"), keep = sel.value;
  sel.replaceChildren(new Option("everyone", ""), ...s.players.map((p) => new Option(p, p)));
  sel.value = keep;
  const cur = s.sessions[0];
  $("session").textContent = cur ? `session ${cur.id}${cur.name ? " · " + cur.name : ""} · ${cur.shots} shots` : "no session yet";
}

async function exportAs(format) {
  const q = query(), body = { format };
  for (const [k, v] of q) body[k] = v;
  try {
    const ex = await command("POST", "/api/v1/game/export", body);
    location.href = ex.url; // Content-Disposition: attachment
  } catch (e) { alert("Export failed: " + e.message); }
}

// ---- drills ----

async function loadDrills() {
  const { drills } = await getJSON("/api/v1/drills");
  $("d-drill").replaceChildren(...drills.map((d) => new Option(`${d.name} (${d.category})`, d.id)));
  state.drills = drills;
}

async function loadProgress() {
  const player = $("d-player").value.trim();
  const { progress } = await getJSON("/api/v1/drills/progress" + (player ? "?player=" + encodeURIComponent(player) : ""));
  const names = Object.fromEntries((state.drills || []).map((d) => [d.id, d.name]));
  $("d-progress").tBodies[0].replaceChildren(...progress.map((p) => {
    const tr = document.createElement("tr");
    for (const v of [names[p.drill] || p.drill, p.player, p.attempts, p.successes, p.pct.toFixed(0), p.streak]) tr.insertCell().textContent = v;
    const dots = tr.insertCell(); dots.className = "dots";
    for (const ok of p.recent) { const i = document.createElement("i"); if (ok) i.className = "ok"; dots.append(i); }
    return tr;
  }));
}

function showDrill(st) {
  state.drill = st;
  if (!st || st.state === "stopped") { $("d-status").textContent = "No drill running."; return; }
  const placed = (st.placements || []).filter((p) => p.placed).length;
  const where = st.state === "setup" ? ` Balls on their spots: ${placed} of ${(st.placements || []).length}.` : "";
  $("d-status").textContent = `${st.drill.name} for ${st.player}: ${st.message || st.state}${where} Attempts ${st.attempt}, made ${st.successes}.`;
}

$("d-start").addEventListener("click", async () => {
  try { showDrill(await command("POST", `/api/v1/drills/${encodeURIComponent($("d-drill").value)}/start`, { player: $("d-player").value.trim() })); }
  catch (e) { $("d-status").textContent = "Not started: " + e.message; }
});
$("d-stop").addEventListener("click", async () => { try { showDrill(await command("POST", "/api/v1/drills/stop")); } catch (e) { $("d-status").textContent = e.message; } });
$("d-player").addEventListener("change", loadProgress);

for (const id of ["f-player", "f-day", "f-range", "f-type"]) $(id).addEventListener("change", () => { if (id === "f-day") $("f-range").disabled = !!$("f-day").value; load(); });
$("more").addEventListener("click", more);
$("export-csv").addEventListener("click", () => exportAs("csv"));
$("export-json").addEventListener("click", () => exportAs("json"));
$("new-session").addEventListener("click", async () => {
  if (!confirm("Start a new session? (The games in progress are reset too.)")) return;
  try { await command("POST", "/api/v1/game/reset", {}); await loadSessions(); await load(); } catch (e) { alert(e.message); }
});
let resizeTimer = 0;
window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => { if (state.stats) charts(state.stats, state.shots); if (state.selected) drawShot(state.selected); }, 200); });

// Live: a new shot (session_summary follows every stored one) reloads; drill events update the
// drill line and, after an attempt, the progress table.
let reloadTimer = 0;
const client = new CuecastClient({
  streams: ["event", "state"], maxRateHz: { state: 1 }, storageKey: "cuecast.positions.history",
  onStatus(s) { // after every (re)subscription: what changed while away
    state.connected = s.state === "connected";
    const seen = state.drillEvents;
    if (state.connected && state.loads) getJSON("/api/v1/drills/active").then((d) => { if (seen === state.drillEvents) showDrill(d); }).catch(() => {});
  },
  onPublication(pub) {
    if (pub.stream === "state" && pub.data.table && pub.data.table.pockets) state.table = pub.data.table;
    if (pub.stream !== "event") return;
    if (pub.data.type === "session_summary") { clearTimeout(reloadTimer); reloadTimer = setTimeout(() => { loadSessions(); load(); }, 300); }
    if (pub.data.type === "drill") { state.drillEvents++; const before = state.drill && state.drill.attempt; showDrill(pub.data.drill); if (pub.data.drill.attempt !== before) loadProgress(); }
  },
});
state.client = client;

try { const cal = await getJSON("/api/v1/state"); if (cal.table && cal.table.pockets) state.table = cal.table; } catch { /* no camera yet: the default 9 ft table */ }
await Promise.all([loadSessions().catch(() => {}), loadDrills().catch(() => {})]);
await load();
showDrill(await getJSON("/api/v1/drills/active").catch(() => null));
loadProgress().catch(() => {});
client.start();
