// The projector overlay: aim line, ghost ball, paths and target pocket, drawn through the
// projector homography so they land on the cloth. Calibration mode (key C, or ?calibrate=1)
// moves the four table corners on screen and saves them on the box.
import { CuecastClient } from "./client.js";
import { BALL_RADIUS, colourOf } from "./balls.js";
import { fromPoints, apply } from "./homography.js";

const canvas = document.getElementById("overlay");
const ctx = canvas.getContext("2d");
const msg = document.getElementById("msg");

// cal.corners: where the table's corners (BL, BR, TR, TL in table-frame order) appear on the
// projector, as fractions of the viewport (so one calibration fits any resolution).
let cal = { corners: [[0, 1], [1, 1], [1, 0], [0, 0]] };
let table = { length: 2.54, width: 1.27, pockets: [] };
let traj = null, H = null, calibrating = false, selected = 0, dirty = true;
let game = null; // the game stream's latest: ball in hand and respot marks
// drill: the active drill's status (GET /api/v1/drills/active, then `drill` events): where each
// ball goes and the target zones are drawn on the cloth until it stops.
let drill = null;
window.cuecast = { get H() { return H; }, get calibration() { return cal; }, get drill() { return drill; }, drawn: 0, connected: false };

function size() { return [window.innerWidth, window.innerHeight]; }

function rebuild() {
  const [w, h] = size();
  const src = [[0, 0], [table.length, 0], [table.length, table.width], [0, table.width]];
  H = fromPoints(src, cal.corners.map(([u, v]) => [u * w, v * h]));
  dirty = true;
}

function resize() {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(window.innerWidth * dpr);
  canvas.height = Math.round(window.innerHeight * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  rebuild();
}

async function loadCalibration() {
  try {
    const r = await fetch("/api/v1/projector/calibration");
    if (r.ok) {
      const c = await r.json();
      if (c.corners && c.corners.length === 4) cal = c;
      if (c.table) table = Object.assign(table, c.table);
    }
  } catch { /* keep the last one: a blip must not blank the overlay */ }
  rebuild();
}

const P = (x, y) => apply(H, x, y);

function line(points, colour, width, dash) {
  if (points.length < 2) return;
  ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.setLineDash(dash || []);
  ctx.beginPath();
  const [x0, y0] = P(points[0].x, points[0].y);
  ctx.moveTo(x0, y0);
  for (const p of points.slice(1)) { const [x, y] = P(p.x, p.y); ctx.lineTo(x, y); }
  ctx.stroke();
  ctx.setLineDash([]);
}

// circle draws a circle of radius r metres around (x, y) on the table, through H.
function circle(x, y, r, colour, width) {
  ctx.strokeStyle = colour; ctx.lineWidth = width;
  ctx.beginPath();
  for (let i = 0; i <= 32; i++) {
    const a = (i / 32) * 2 * Math.PI;
    const [u, v] = P(x + r * Math.cos(a), y + r * Math.sin(a));
    if (i === 0) ctx.moveTo(u, v); else ctx.lineTo(u, v);
  }
  ctx.stroke();
}

function draw() {
  requestAnimationFrame(draw);
  if (!dirty || !H) return;
  dirty = false;
  const [w, h] = size();
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, w, h);
  if (calibrating) drawPattern();
  if (!calibrating) drawGame();
  if (drill && drill.state !== "stopped" && drill.drill) drawDrill();
  if (traj && traj.aiming) {
    for (const p of traj.paths || []) {
      const cue = p.ball === "cue";
      line(p.points || [], cue ? "#ffffff" : colourOf(Number(p.ball)), cue ? 3 : 4, cue ? [14, 8] : null);
    }
    if (traj.ghost) circle(traj.ghost.x, traj.ghost.y, BALL_RADIUS, "#ffffff", 3);
    for (const [, pocket] of Object.entries((traj.outcome && traj.outcome.pocketed) || {})) {
      const pk = (table.pockets || []).find((q) => q.name === pocket);
      if (pk) circle(pk.pos.x, pk.pos.y, pk.radius * 1.3, "#3cff6e", 5);
    }
  }
  window.cuecast.drawn++;
}

// drawDrill shows a drill on the cloth: each ball's spot (a dashed white ring until a ball sits
// within 1 cm of it, then solid green, with its number), each target zone (amber), the pocket the
// rule names, and one line of text for the player along the bottom rail.
function drawDrill() {
  const d = drill.drill;
  for (const z of drill.zones || []) {
    circle(z.center.x, z.center.y, z.radius_m, "#ffb300", 4);
    label(z.center.x + z.radius_m + 0.06, z.center.y, z.name, "#ffb300", 18);
  }
  if (d.success && d.success.pocket) {
    const pk = (table.pockets || []).find((q) => q.name === d.success.pocket);
    if (pk) circle(pk.pos.x, pk.pos.y, pk.radius * 1.3, "#3cff6e", 5);
  }
  for (const p of drill.placements || []) {
    if (p.placed) { circle(p.spot.x, p.spot.y, BALL_RADIUS * 1.25, "#3cff6e", 4); }
    else { ctx.setLineDash([6, 5]); circle(p.spot.x, p.spot.y, BALL_RADIUS * 1.25, "#ffffff", 3); ctx.setLineDash([]); }
    label(p.spot.x, p.spot.y - BALL_RADIUS * 2.6, p.ball === "cue" ? "cue" : p.ball, p.placed ? "#3cff6e" : "#ffffff", 16);
  }
  const text = `${d.name} — ${drill.player}: ${drill.message || drill.state}`;
  label(table.length / 2, table.width * 0.07, text, drill.last && drill.state === "setup" ? (drill.last.success ? "#3cff6e" : "#ff8a80") : "#ffffff", 22);
}

function label(x, y, text, colour, px) {
  const [u, v] = P(x, y);
  ctx.fillStyle = colour; ctx.font = `600 ${px}px system-ui, sans-serif`; ctx.textAlign = "center"; ctx.textBaseline = "middle";
  ctx.fillText(text, u, v);
}

// drawPattern is the test pattern: the cloth's outline (cushion noses), a grid through the
// diamonds (eighths of the length, quarters of the width) and a ring at every pocket mouth, so
// a technician sees at a glance where the overlay misses the real table; and the corner handles.
// drawGame marks where the cue ball in hand may go (the whole cloth, or behind the head string)
// and where a ball was spotted after the last shot (the 9 after a foul).
function drawGame() {
  window.cuecast.game = { ballInHand: "", respot: [] };
  if (!game || game.over) return;
  const L = table.length, W = table.width;
  if (game.ball_in_hand) {
    const x1 = game.ball_in_hand === "kitchen" ? (game.head_string || L / 4) : L;
    line([{ x: 0.01, y: 0.01 }, { x: x1 - 0.01, y: 0.01 }, { x: x1 - 0.01, y: W - 0.01 }, { x: 0.01, y: W - 0.01 }, { x: 0.01, y: 0.01 }], "#ffd23c", 4, [18, 10]);
    // The label stays inside the area it names: behind the head string is a quarter of the
    // table, narrower than one line of 28 px text on a 1280 px projector, so it takes two lines
    // and a smaller font where even those do not fit.
    ctx.save();
    const [u, v] = P(x1 / 2, W / 2);
    const [ua, va] = P(0, W / 2), [ub, vb] = P(x1, W / 2);
    const room = 0.9 * Math.hypot(ub - ua, vb - va);
    const lines = game.ball_in_hand === "kitchen" ? ["BALL IN HAND", "behind the line"] : ["BALL IN HAND"];
    let px = 28;
    ctx.font = `bold ${px}px system-ui, sans-serif`;
    const widest = Math.max(...lines.map((l) => ctx.measureText(l).width));
    if (widest > room) px = Math.max(12, Math.floor(px * room / widest));
    ctx.fillStyle = "#ffd23c"; ctx.font = `bold ${px}px system-ui, sans-serif`; ctx.textAlign = "center"; ctx.textBaseline = "middle";
    lines.forEach((l, i) => ctx.fillText(l, u, v + (i - (lines.length - 1) / 2) * px * 1.2));
    ctx.restore();
    window.cuecast.game.ballInHand = game.ball_in_hand;
  }
  for (const sp of (game.last && game.last.respot) || []) {
    circle(sp.pos.x, sp.pos.y, BALL_RADIUS * 1.6, colourOf(Number(sp.id)), 4);
    const [u, v] = P(sp.pos.x, sp.pos.y + BALL_RADIUS * 2.4);
    ctx.fillStyle = "#fff"; ctx.font = "bold 22px system-ui, sans-serif"; ctx.textAlign = "center";
    ctx.fillText(`${sp.id} spotted here`, u, v);
    ctx.textAlign = "start";
    window.cuecast.game.respot.push(sp.id);
  }
}

function drawPattern() {
  const L = table.length, W = table.width;
  for (let i = 1; i < 8; i++) line([{ x: L * i / 8, y: 0 }, { x: L * i / 8, y: W }], i === 4 ? "#6a6aa8" : "#44446e", 1);
  for (let i = 1; i < 4; i++) line([{ x: 0, y: W * i / 4 }, { x: L, y: W * i / 4 }], i === 2 ? "#6a6aa8" : "#44446e", 1);
  line([{ x: 0, y: 0 }, { x: L, y: 0 }, { x: L, y: W }, { x: 0, y: W }, { x: 0, y: 0 }], "#fff", 2);
  for (const pk of table.pockets || []) circle(pk.pos.x, pk.pos.y, pk.radius, "#0cf", 2);
  const [w, h] = size();
  cal.corners.forEach(([u, v], i) => {
    ctx.strokeStyle = i === selected ? "#ff0" : "#0cf";
    ctx.lineWidth = 2;
    ctx.beginPath(); ctx.arc(u * w, v * h, 14, 0, 2 * Math.PI); ctx.stroke();
    ctx.fillStyle = ctx.strokeStyle; ctx.font = "14px sans-serif"; ctx.fillText(String(i + 1), u * w + 16, v * h - 16);
  });
}

function setCalibrating(on) {
  calibrating = on;
  document.body.classList.toggle("calibrating", on);
  dirty = true;
}

async function save() {
  let token = localStorage.getItem("cuecast.token") || "";
  if (!token) { token = prompt("Command token (http.token in the box's config):") || ""; }
  const r = await fetch("/api/v1/projector/calibration", {
    method: "PUT", headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
    body: JSON.stringify({ corners: cal.corners }),
  });
  if (r.ok) { localStorage.setItem("cuecast.token", token); msg.textContent = "Saved on the box."; }
  else { msg.textContent = "Not saved: " + (await r.text()); if (r.status === 401) localStorage.removeItem("cuecast.token"); }
}

window.addEventListener("keydown", (e) => {
  if (e.key === "c" || e.key === "C") { setCalibrating(!calibrating); return; }
  if (!calibrating) return;
  const [w, h] = size();
  const step = (e.shiftKey ? 10 : 1);
  const c = cal.corners[selected];
  switch (e.key) {
    case "1": case "2": case "3": case "4": selected = Number(e.key) - 1; break;
    case "ArrowLeft": c[0] -= step / w; break;
    case "ArrowRight": c[0] += step / w; break;
    case "ArrowUp": c[1] -= step / h; break;
    case "ArrowDown": c[1] += step / h; break;
    case "s": case "S": save(); break;
    case "Escape": setCalibrating(false); break;
    default: return;
  }
  e.preventDefault();
  rebuild();
});

let dragging = -1;
canvas.addEventListener("pointerdown", (e) => {
  if (!calibrating) return;
  const [w, h] = size();
  let best = -1, bestD = 40;
  cal.corners.forEach(([u, v], i) => { const d = Math.hypot(u * w - e.clientX, v * h - e.clientY); if (d < bestD) { best = i; bestD = d; } });
  if (best >= 0) { dragging = best; selected = best; canvas.setPointerCapture(e.pointerId); }
});
canvas.addEventListener("pointermove", (e) => {
  if (dragging < 0) return;
  const [w, h] = size();
  cal.corners[dragging] = [e.clientX / w, e.clientY / h];
  rebuild();
});
canvas.addEventListener("pointerup", () => { dragging = -1; });

window.addEventListener("resize", resize);
await loadCalibration();
resize();
setCalibrating(new URLSearchParams(location.search).has("calibrate"));
requestAnimationFrame(draw);

// loadDrill reads the active drill; after every (re)subscription too, so a drill that changed
// while the page was connecting or offline is not missed (events are not replayed to a new page).
// A drill event that arrives while the request is out is newer than its answer: drillEvents
// tells them apart.
let drillEvents = 0;
async function loadDrill() {
  const seen = drillEvents;
  try {
    const r = await fetch("/api/v1/drills/active");
    if (r.ok) { const d = await r.json(); if (seen === drillEvents) { drill = d; dirty = true; } }
  } catch { /* no history on this box: no drills */ }
}
await loadDrill();

const client = new CuecastClient({
  streams: ["trajectory", "config", "state", "game", "event"],
  onStatus(s) {
    window.cuecast.connected = s.state === "connected";
    if (s.state === "connected") loadDrill();
  },
  group: "projector",
  maxRateHz: { state: 2 },
  onPublication(pub) {
    if (pub.stream === "trajectory") { traj = pub.data; dirty = true; }
    if (pub.stream === "game") { game = pub.data; dirty = true; }
    if (pub.stream === "event" && pub.data.type === "drill") { drill = pub.data.drill; drillEvents++; dirty = true; }
    // A saved calibration republishes the config: every projector page picks it up.
    if (pub.stream === "config" && !calibrating) loadCalibration();
    if (pub.stream === "state" && pub.data.table && pub.data.table.pockets) {
      if (pub.data.table.length !== table.length || pub.data.table.width !== table.width || !table.pockets.length) {
        table = pub.data.table; rebuild();
      }
    }
  },
});
window.cuecast.client = client;
client.start();
