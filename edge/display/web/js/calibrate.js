// Camera calibration view: a snapshot with the table corners and pockets the box uses,
// adjustable by dragging (or select 1-4 and nudge with the arrow keys), saved through the
// vision API.
//
// The API (edge/vision, GET/PUT /api/v1/vision/calibration) holds the whole calibration:
// {corners: [{x, y} x4 in image pixels, BL, BR, TR, TL] or absent/null (automatic table
// finding), width, height (the image size the corners belong to), camera (lens intrinsics)}.
// PUT replaces all of it, so this page sends back what it read with only corners, width and
// height changed: saving corners must never drop a lens calibration.
import { fromPoints, apply } from "./homography.js";

const img = document.getElementById("snap");
const canvas = document.getElementById("marks");
const ctx = canvas.getContext("2d");
const msg = document.getElementById("msg");
let saved = {};      // the calibration as the box holds it
let corners = null;  // [{x, y}] x4 in snapshot pixels: BL, BR, TR, TL
let source = "";     // where the corners came from, for the message line
let table = { length: 2.54, width: 1.27, pockets: [] };
let dragging = -1, selected = 0;

window.cuecast = { get corners() { return corners; }, get saved() { return saved; }, ready: false };

async function json(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

// errorText reads both error shapes the box uses: {"error": "text"} (vision) and
// {"error": {"code", "message"}} (REST API, display).
async function errorText(r) {
  const body = await r.text();
  try {
    const e = JSON.parse(body).error;
    return typeof e === "string" ? e : (e && e.message) || body;
  } catch { return body || `HTTP ${r.status}`; }
}

function say(text) { msg.textContent = text; }

async function load() {
  window.cuecast.ready = false;
  img.src = "/snapshot.jpg?t=" + Date.now();
  try { await img.decode(); } catch {
    say("No snapshot: is the camera delivering frames? (see /api/v1/health)");
    return;
  }
  corners = null;
  try {
    saved = await json("/api/v1/vision/calibration");
    if (saved.corners) {
      // Corners belong to the image size they were saved for; the snapshot may be scaled.
      const sx = saved.width ? img.naturalWidth / saved.width : 1, sy = saved.height ? img.naturalHeight / saved.height : 1;
      corners = saved.corners.map((p) => ({ x: p.x * sx, y: p.y * sy }));
      source = "saved corners";
    }
  } catch (e) { saved = {}; say("Calibration API unavailable: " + e.message); }
  try {
    const st = await json("/api/v1/state");
    if (st.table) table = st.table;
    if (!corners && st.corners) { corners = st.corners.map((p) => ({ x: p.x, y: p.y })); source = "corners the detector found"; }
  } catch { /* no state yet: keep defaults */ }
  if (!corners) {
    const w = img.naturalWidth, h = img.naturalHeight;
    corners = [{ x: w * .1, y: h * .9 }, { x: w * .9, y: h * .9 }, { x: w * .9, y: h * .1 }, { x: w * .1, y: h * .1 }];
    source = "a guess: drag each corner onto the cushion nose";
  }
  say(`Showing ${source}. Drag a corner, or press 1-4 and the arrow keys (Shift: 10 px). Save when the pockets line up.`);
  draw();
  window.cuecast.ready = true;
}

function scale() { return canvas.getBoundingClientRect().width / img.naturalWidth; }

function draw() {
  const r = canvas.getBoundingClientRect();
  canvas.width = r.width; canvas.height = r.height;
  if (!corners || !img.naturalWidth) return;
  const s = scale();
  ctx.clearRect(0, 0, r.width, r.height);
  ctx.strokeStyle = "#ff0"; ctx.lineWidth = 2;
  ctx.beginPath();
  corners.forEach((p, i) => (i ? ctx.lineTo(p.x * s, p.y * s) : ctx.moveTo(p.x * s, p.y * s)));
  ctx.closePath(); ctx.stroke();
  // The pockets where these corners put them: they should sit on the real pockets.
  try {
    const H = fromPoints([[0, 0], [table.length, 0], [table.length, table.width], [0, table.width]], corners.map((p) => [p.x, p.y]));
    ctx.strokeStyle = "#0cf";
    for (const pk of table.pockets || []) {
      const [u, v] = apply(H, pk.pos.x, pk.pos.y);
      const [u2] = apply(H, pk.pos.x + pk.radius, pk.pos.y);
      ctx.beginPath(); ctx.arc(u * s, v * s, Math.max(6, Math.abs(u2 - u) * s), 0, 2 * Math.PI); ctx.stroke();
    }
  } catch { /* corners collinear while dragging: no pockets this frame */ }
  corners.forEach((p, i) => {
    ctx.fillStyle = i === selected ? "#f80" : "#ff0";
    ctx.beginPath(); ctx.arc(p.x * s, p.y * s, 6, 0, 2 * Math.PI); ctx.fill();
    ctx.font = "bold 15px sans-serif"; ctx.fillText(String(i + 1), p.x * s + 9, p.y * s - 9);
  });
}

function at(e) { const s = scale(), r = canvas.getBoundingClientRect(); return { x: (e.clientX - r.left) / s, y: (e.clientY - r.top) / s }; }

canvas.addEventListener("pointerdown", (e) => {
  if (!corners) return;
  const p = at(e);
  let best = -1, bestD = 30 / scale();
  corners.forEach((c, i) => { const d = Math.hypot(c.x - p.x, c.y - p.y); if (d < bestD) { best = i; bestD = d; } });
  if (best >= 0) { dragging = best; selected = best; canvas.setPointerCapture(e.pointerId); draw(); }
});
canvas.addEventListener("pointermove", (e) => {
  if (dragging < 0) return;
  corners[dragging] = at(e);
  draw();
});
canvas.addEventListener("pointerup", () => { dragging = -1; });

window.addEventListener("keydown", (e) => {
  if (!corners) return;
  const step = e.shiftKey ? 10 : 1, c = corners[selected];
  switch (e.key) {
    case "1": case "2": case "3": case "4": selected = Number(e.key) - 1; break;
    case "ArrowLeft": c.x -= step; break;
    case "ArrowRight": c.x += step; break;
    case "ArrowUp": c.y -= step; break;
    case "ArrowDown": c.y += step; break;
    default: return;
  }
  e.preventDefault();
  draw();
});

async function put(body) {
  const token = localStorage.getItem("cuecast.token") || prompt("Command token (http.token in the box's config):") || "";
  const r = await fetch("/api/v1/vision/calibration", {
    method: "PUT", headers: { "Content-Type": "application/json", Authorization: "Bearer " + token }, body: JSON.stringify(body),
  });
  if (r.ok) { saved = await r.json(); localStorage.setItem("cuecast.token", token); say("Saved on the box."); return true; }
  say("Not saved: " + (await errorText(r)));
  if (r.status === 401) localStorage.removeItem("cuecast.token");
  return false;
}

document.getElementById("save").onclick = () => {
  const round = (v) => Math.round(v * 10) / 10;
  put({ ...saved, corners: corners.map((p) => ({ x: round(p.x), y: round(p.y) })), width: img.naturalWidth, height: img.naturalHeight });
};
document.getElementById("auto").onclick = async () => {
  const body = { ...saved, corners: null };
  delete body.width; delete body.height;
  if (await put(body)) load();
};
document.getElementById("refresh").onclick = load;
window.addEventListener("resize", draw);
load();
