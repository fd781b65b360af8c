// The table display: live table, predicted shot, events, alerts, video, fps and latency.
import { CuecastClient } from "./client.js";
import { BALL_RADIUS, drawBall, colourOf } from "./balls.js";
import { update as updateGame } from "./game.js";

const RAIL = 0.12; // metres of rail drawn around the playing surface

// view maps table metres to canvas pixels (CSS pixels): the playing surface plus RAIL on every
// side, fitted and centred; y up on the table is up on the screen. Tests rely on this layout.
export function view(cssW, cssH, L, W) {
  const scale = Math.min(cssW / (L + 2 * RAIL), cssH / (W + 2 * RAIL));
  const ox = (cssW - L * scale) / 2, oy = (cssH + W * scale) / 2;
  return { scale, ox, oy, x: (x) => ox + x * scale, y: (y) => oy - y * scale };
}

const canvas = document.getElementById("table");
const ctx = canvas.getContext("2d");
const feed = document.getElementById("events");
const alertsBox = document.getElementById("alerts");
const video = document.getElementById("video");
const conn = document.getElementById("conn");
const outcomeEl = document.getElementById("outcome");
const shotEl = document.getElementById("last-shot");

let state = null, traj = null, frozen = false, dirty = true;
// drawLatency: ms from a state message's arrival to the end of the canvas draw that shows it
// (the last 600 draws).
const drawLatency = [];
const seenAlerts = new Map(); // id -> {el, epoch}
// Video: one <img> fed from blob URLs. Latest wins: while one JPEG decodes, newer frames replace
// each other in `pendingFrame` (a Blob, no URL yet), so at most two blob URLs exist at a time
// (the one shown and the one decoding) and every URL is revoked once replaced: the seed's
// browsers died of exactly this kind of growth.
const videoStats = { created: 0, revoked: 0, shown: 0, dropped: 0, fps: 0, width: 0, height: 0 };
let shownURL = null, loadingURL = null, pendingFrame = null, videoTimes = [];

function percentiles(a) {
  if (!a.length) return null;
  const s = [...a].sort((x, y) => x - y), q = (f) => s[Math.min(s.length - 1, Math.floor(f * s.length))];
  return { n: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s[s.length - 1] };
}

// window.cuecast is for tests and for a technician's devtools.
window.cuecast = {
  view: null, lastState: null, drawLatency, freeze: (f) => { frozen = f; }, events: 0, client: null,
  video: videoStats, drawLatencyPercentiles: () => percentiles(drawLatency), alerts: () => [...seenAlerts.keys()],
};

function resize() {
  const dpr = window.devicePixelRatio || 1;
  const r = canvas.getBoundingClientRect();
  canvas.width = Math.round(r.width * dpr);
  canvas.height = Math.round(r.height * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  dirty = true;
}
window.addEventListener("resize", resize);

function draw() {
  requestAnimationFrame(draw);
  if (!dirty || !state) return;
  dirty = false;
  const r = canvas.getBoundingClientRect();
  const L = state.table.length, W = state.table.width;
  const v = view(r.width, r.height, L, W);
  window.cuecast.view = { scale: v.scale, ox: v.ox, oy: v.oy, width: r.width, height: r.height };
  ctx.clearRect(0, 0, r.width, r.height);
  // Rails and cloth.
  ctx.fillStyle = "#4a2c17";
  ctx.fillRect(v.x(-RAIL), v.y(W + RAIL), (L + 2 * RAIL) * v.scale, (W + 2 * RAIL) * v.scale);
  ctx.fillStyle = "#1f6e43";
  ctx.fillRect(v.x(0), v.y(W), L * v.scale, W * v.scale);
  // Diamonds: every eighth of the length, quarter of the width.
  ctx.fillStyle = "#e8dcc0";
  for (let i = 1; i < 8; i++) if (i !== 4) for (const yy of [-RAIL / 2, W + RAIL / 2]) dot(v.x(L * i / 8), v.y(yy), 3);
  for (let i = 1; i < 4; i++) for (const xx of [-RAIL / 2, L + RAIL / 2]) dot(v.x(xx), v.y(W * i / 4), 3);
  // Pockets.
  ctx.fillStyle = "#050505";
  for (const p of state.table.pockets || []) dot(v.x(p.pos.x), v.y(p.pos.y), p.radius * v.scale);
  drawTrajectory(v);
  const rad = BALL_RADIUS * v.scale;
  for (const b of state.balls) drawBall(ctx, v.x(b.pos.x), v.y(b.pos.y), rad, b.number);
  if (state.receivedAt) {
    drawLatency.push(performance.now() - state.receivedAt);
    if (drawLatency.length > 600) drawLatency.shift();
    state.receivedAt = 0; // a redraw of the same state (resize, trajectory) is not a new sample
  }
}

function dot(x, y, r) { ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fill(); }

function drawTrajectory(v) {
  if (!traj || !traj.aiming) return;
  ctx.save();
  ctx.lineWidth = 2;
  for (const p of traj.paths || []) {
    if (!p.points || p.points.length < 2) continue;
    ctx.strokeStyle = p.ball === "cue" ? "rgba(255,255,255,0.85)" : colourOf(Number(p.ball));
    ctx.setLineDash(p.ball === "cue" ? [6, 4] : []);
    ctx.beginPath();
    ctx.moveTo(v.x(p.points[0].x), v.y(p.points[0].y));
    for (const q of p.points.slice(1)) ctx.lineTo(v.x(q.x), v.y(q.y));
    ctx.stroke();
  }
  ctx.setLineDash([]);
  if (traj.ghost) {
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.beginPath();
    ctx.arc(v.x(traj.ghost.x), v.y(traj.ghost.y), BALL_RADIUS * v.scale, 0, 2 * Math.PI);
    ctx.stroke();
  }
  // The predicted pocket(s): a green ring round each.
  ctx.strokeStyle = "#3cff6e";
  ctx.lineWidth = 3;
  for (const name of Object.values((traj.outcome && traj.outcome.pocketed) || {})) {
    const pk = (state.table.pockets || []).find((q) => q.name === name);
    if (!pk) continue;
    ctx.beginPath();
    ctx.arc(v.x(pk.pos.x), v.y(pk.pos.y), pk.radius * 1.3 * v.scale, 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.restore();
}

// pocketName turns "corner-top-right" into "top-right corner" and "side-top" into "top side".
function pocketName(p) {
  if (!p) return "a pocket";
  const m = /^(corner|side)-(.+)$/.exec(p);
  return m ? `${m[2]} ${m[1]}` : p;
}

function ballName(id) { return id === "cue" ? "cue ball" : id; }

// outcomeText is the predicted result of the shot being aimed, in words.
function outcomeText(t) {
  if (!t || !t.aiming) return "";
  const o = t.outcome || {};
  const pots = Object.entries(o.pocketed || {}).filter(([b]) => b !== "cue");
  const parts = [];
  if (o.miss) parts.push("Miss: the cue ball hits nothing");
  else if (pots.length) parts.push(pots.map(([b, p]) => `${b} → ${pocketName(p)}`).join(", "));
  else parts.push(t.target ? `Hits ${t.target}, nothing pocketed` : "Nothing pocketed");
  if (o.scratch) parts.push("SCRATCH: cue ball pocketed");
  return parts.join(" · ");
}

function showOutcome() {
  const text = outcomeText(traj);
  outcomeEl.textContent = text;
  outcomeEl.className = !text ? "" : (traj.outcome || {}).scratch || (traj.outcome || {}).miss ? "bad" : "good";
}

function addEvent(pub) {
  const ev = pub.data;
  const li = document.createElement("li");
  li.dataset.key = pub.epoch + ":" + pub.offset;
  li.className = ev.type;
  const t = document.createElement("time");
  t.textContent = new Date(ev.time || pub.time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  const chips = document.createElement("span");
  chips.className = "chips";
  for (const b of ev.type === "ball_pocketed" ? ev.balls || [] : []) chips.append(chip(b));
  const text = document.createElement("span");
  text.textContent = describe(ev);
  li.append(t, chips, text);
  if (ev.shot && ev.shot.scratch) li.classList.add("scratch");
  if (ev.type === "shot_ended") { shotEl.textContent = describe(ev); shotEl.className = ev.shot && ev.shot.scratch ? "bad" : ""; }
  feed.prepend(li);
  while (feed.children.length > 200) feed.lastChild.remove();
  window.cuecast.events++;
}

// chip is a small ball in its colour with its number, for the feed.
function chip(id) {
  const n = id === "cue" ? 0 : Number(id);
  const c = document.createElement("b");
  c.className = "chip" + (n > 8 ? " stripe" : "");
  c.style.setProperty("--ball", colourOf(n));
  c.textContent = n > 0 ? String(n) : "";
  return c;
}

function describe(ev) {
  const balls = (ev.balls || []).map(ballName).join(" and ");
  switch (ev.type) {
    case "ball_pocketed": return `${ev.balls && ev.balls[0] === "cue" ? "Cue ball" : "Ball " + balls} in the ${pocketName(ev.pocket)}`;
    case "shot_started": return "Shot started";
    case "ball_collision": return `Contact: ${balls}`;
    case "rack_detected": return "Rack detected: new game";
    case "table_cleared": return "Table cleared";
    case "shot_ended": {
      const s = ev.shot || {};
      const pots = Object.entries(s.pocketed || {}).filter(([b]) => b !== "cue").map(([b, p]) => `${b} (${pocketName(p)})`);
      let text = "Shot over: " + (s.first_contact ? `hit ${s.first_contact} first` : "no ball hit");
      text += pots.length ? `; pocketed ${pots.join(", ")}` : "; nothing pocketed";
      if (s.scratch) text += "; SCRATCH";
      if (s.duration_s) text += ` (${s.duration_s.toFixed(1)} s)`;
      return text;
    }
    default: return ev.type + (balls ? " " + balls : "");
  }
}

// showAlert shows an alert once per id (the box redelivers unacknowledged ones on every
// resume) and removes it when anyone, on any page, acknowledges it.
function showAlert(a, epoch) {
  const seen = seenAlerts.get(a.id);
  if (a.acked) { if (seen) seen.el.remove(); seenAlerts.delete(a.id); return; }
  if (seen) return;
  const el = document.createElement("div");
  el.className = "alert " + a.level;
  el.dataset.id = a.id;
  const text = document.createElement("span");
  text.textContent = a.message;
  const btn = document.createElement("button");
  btn.textContent = "Acknowledge";
  btn.onclick = () => {
    // The alert goes when the box confirms (an acked publication), on every page at once.
    if (client.ack(a.id)) { btn.disabled = true; btn.textContent = "Acknowledging…"; }
    else btn.textContent = "Offline: try again";
  };
  el.append(text, btn);
  alertsBox.append(el);
  seenAlerts.set(a.id, { el, epoch });
}

// onConnection drops alerts of an earlier process: a restarted box no longer holds them (an
// ack would fail) and re-raises whatever is still wrong.
function onConnection(greeting) {
  for (const [id, a] of seenAlerts) if (a.epoch !== greeting.epoch) { a.el.remove(); seenAlerts.delete(id); }
}

function onPublication(pub) {
  switch (pub.stream) {
    case "state":
      if (frozen) return;
      state = pub.data; state.receivedAt = pub.receivedAt; dirty = true;
      window.cuecast.lastState = state;
      break;
    case "trajectory": traj = pub.data; dirty = true; showOutcome(); break;
    case "event": addEvent(pub); break;
    case "game": updateGame(pub.data); break;
    case "alert": showAlert(pub.data, pub.epoch); break;
    case "performance": document.getElementById("fps").textContent = pub.data.fps.toFixed(1) + " fps"; break;
  }
}

function onFrame(f) {
  if (loadingURL) { if (pendingFrame) videoStats.dropped++; pendingFrame = f.jpeg; return; }
  showFrame(f.jpeg);
}

function showFrame(blob) {
  loadingURL = URL.createObjectURL(blob);
  videoStats.created++;
  video.src = loadingURL;
}

function frameDone(ok) {
  if (!loadingURL) return;
  if (shownURL) { URL.revokeObjectURL(shownURL); videoStats.revoked++; }
  shownURL = loadingURL;
  loadingURL = null;
  if (ok) {
    videoStats.shown++;
    videoStats.width = video.naturalWidth;
    videoStats.height = video.naturalHeight;
    const now = performance.now();
    videoTimes.push(now);
    while (videoTimes[0] < now - 2000) videoTimes.shift();
  }
  if (pendingFrame) { const b = pendingFrame; pendingFrame = null; showFrame(b); }
}
video.addEventListener("load", () => frameDone(true));
video.addEventListener("error", () => frameDone(false));

function onStatus(s) {
  conn.className = "conn " + s.state;
  conn.querySelector("b").textContent = s.state === "reconnecting" ? s.detail : s.state;
}

const settings = await fetch("/display/settings.json").then((r) => r.json()).catch(() => ({}));
// The page asks only for what it draws (docs/protocol.md "Filters"): the table and the balls'
// numbers and places, events without a shot's measured paths (the game panel has the
// decisions), the frame rate alone from performance, and a video sized for the screen: a
// phone-width page gets the 640-px level, a wider one the full image, stepped down by the box
// while the link cannot keep up ("auto"). ?quality=full|960|640|auto overrides.
const quality = new URLSearchParams(location.search).get("quality") ||
  (window.innerWidth * (window.devicePixelRatio || 1) <= 800 ? "640" : "auto");
const client = new CuecastClient({
  streams: ["state", "trajectory", "event", "alert", "performance", "frame", "game"],
  group: "display",
  maxRateHz: { frame: settings.video_fps || 10 },
  filters: {
    state: { fields: ["seq", "table", "balls.id", "balls.number", "balls.pos"] },
    event: { where: { type: { ne: "shot" } }, exclude: ["shot.events", "shot.paths", "shot.start", "shot.end"] },
    performance: { fields: ["fps"] },
    frame: { quality },
  },
  quickAttempts: settings.max_reconnect_attempts ?? 5,
  quickDelayMs: settings.reconnect_delay_ms ?? 1000,
  onPublication, onFrame, onStatus, onConnection,
});
window.cuecast.client = client;
if (settings.table) document.getElementById("table-name").textContent = settings.site + " / " + settings.table;
setInterval(() => {
  const l = client.latencyMs();
  document.getElementById("latency").textContent = l === null ? "— ms" : l.toFixed(0) + " ms";
  const now = performance.now();
  while (videoTimes.length && videoTimes[0] < now - 2000) videoTimes.shift();
  videoStats.fps = videoTimes.length / 2;
  document.getElementById("video-fps").textContent = videoTimes.length ? videoStats.fps.toFixed(0) + " fps" : "no video";
}, 1000);
resize();
requestAnimationFrame(draw);
client.start();
