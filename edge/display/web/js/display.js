// The table display: live table, predicted shot, events, alerts, video, fps and latency.
import { CuecastClient } from "./client.js";
import { BALL_RADIUS, drawBall, colourOf } from "./balls.js";

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

let state = null, traj = null, frozen = false, dirty = true;
const drawLatency = [];
const seenAlerts = new Map(); // id -> element
let videoURL = null;

// window.cuecast is for tests and for a technician's devtools.
window.cuecast = { view: null, lastState: null, drawLatency, freeze: (f) => { frozen = f; }, events: 0, client: null };

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
  ctx.restore();
}

function addEvent(pub) {
  const ev = pub.data;
  const li = document.createElement("li");
  li.dataset.key = pub.epoch + ":" + pub.offset;
  li.className = ev.type;
  const t = new Date(ev.time || pub.time).toLocaleTimeString();
  li.textContent = `${t}  ${describe(ev)}`;
  if (ev.shot && ev.shot.scratch) li.classList.add("scratch");
  feed.prepend(li);
  while (feed.children.length > 200) feed.lastChild.remove();
  window.cuecast.events++;
}

function describe(ev) {
  const balls = (ev.balls || []).join(", ");
  switch (ev.type) {
    case "ball_pocketed": return `Ball ${balls} pocketed — ${ev.pocket || "?"}`;
    case "shot_started": return "Shot";
    case "ball_collision": return `Contact ${balls}`;
    case "rack_detected": return "Rack detected";
    case "table_cleared": return "Table cleared";
    case "shot_ended": {
      const s = ev.shot || {};
      const pocketed = Object.entries(s.pocketed || {}).map(([b, p]) => `${b} (${p})`).join(", ");
      return `Shot over: first contact ${s.first_contact || "none"}` + (pocketed ? `, pocketed ${pocketed}` : "") + (s.scratch ? " — SCRATCH" : "");
    }
    default: return ev.type + (balls ? " " + balls : "");
  }
}

function showAlert(a) {
  let el = seenAlerts.get(a.id);
  if (a.acked) { if (el) el.remove(); seenAlerts.delete(a.id); return; }
  if (el) return; // redelivered on resume: already shown
  el = document.createElement("div");
  el.className = "alert " + a.level;
  el.dataset.id = a.id;
  const text = document.createElement("span");
  text.textContent = a.message;
  const btn = document.createElement("button");
  btn.textContent = "Acknowledge";
  btn.onclick = () => { client.ack(a.id); btn.disabled = true; };
  el.append(text, btn);
  alertsBox.append(el);
  seenAlerts.set(a.id, el);
}

function onPublication(pub) {
  switch (pub.stream) {
    case "state":
      if (frozen) return;
      state = pub.data; state.receivedAt = pub.receivedAt; dirty = true;
      window.cuecast.lastState = state;
      break;
    case "trajectory": traj = pub.data; dirty = true; break;
    case "event": addEvent(pub); break;
    case "alert": showAlert(pub.data); break;
    case "performance": document.getElementById("fps").textContent = pub.data.fps.toFixed(1) + " fps"; break;
  }
}

function onFrame(f) {
  const url = URL.createObjectURL(f.jpeg);
  video.onload = () => { if (videoURL) URL.revokeObjectURL(videoURL); videoURL = url; };
  video.src = url;
}

function onStatus(s) {
  conn.className = "conn " + s.state;
  conn.querySelector("b").textContent = s.state === "reconnecting" ? s.detail : s.state;
}

const settings = await fetch("/display/settings.json").then((r) => r.json()).catch(() => ({}));
const client = new CuecastClient({
  streams: ["state", "trajectory", "event", "alert", "performance", "frame"],
  group: "display",
  maxRateHz: { frame: settings.video_fps || 10 },
  quickAttempts: settings.max_reconnect_attempts ?? 5,
  quickDelayMs: settings.reconnect_delay_ms ?? 1000,
  onPublication, onFrame, onStatus,
});
window.cuecast.client = client;
if (settings.table) document.getElementById("table-name").textContent = settings.site + " / " + settings.table;
setInterval(() => {
  const l = client.latencyMs();
  document.getElementById("latency").textContent = l === null ? "— ms" : l.toFixed(0) + " ms";
}, 1000);
resize();
requestAnimationFrame(draw);
client.start();
