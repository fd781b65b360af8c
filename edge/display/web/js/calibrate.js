// Camera calibration view: a snapshot with the table corners and pockets the box uses,
// adjustable by dragging, saved through the API (PUT /api/v1/vision/calibration).
import { fromPoints, apply } from "./homography.js";

const img = document.getElementById("snap");
const canvas = document.getElementById("marks");
const ctx = canvas.getContext("2d");
const msg = document.getElementById("msg");
let corners = null; // [{x, y}] x4 in image pixels: BL, BR, TR, TL
let table = { length: 2.54, width: 1.27, pockets: [] };
let dragging = -1;

async function json(url) { const r = await fetch(url); if (!r.ok) throw new Error(url + ": " + r.status); return r.json(); }

async function load() {
  img.src = "/snapshot.jpg?t=" + Date.now();
  await img.decode().catch(() => {});
  try {
    const cal = await json("/api/v1/vision/calibration");
    if (cal.corners) corners = cal.corners.map((p) => ({ x: p.x, y: p.y }));
  } catch { /* no saved calibration */ }
  try {
    const st = await json("/api/v1/state");
    if (st.table) table = st.table;
    if (!corners && st.corners) corners = st.corners.map((p) => ({ x: p.x, y: p.y }));
  } catch { /* no state endpoint: keep defaults */ }
  if (!corners) {
    const w = img.naturalWidth, h = img.naturalHeight;
    corners = [{ x: w * .1, y: h * .9 }, { x: w * .9, y: h * .9 }, { x: w * .9, y: h * .1 }, { x: w * .1, y: h * .1 }];
  }
  draw();
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
  const H = fromPoints([[0, 0], [table.length, 0], [table.length, table.width], [0, table.width]], corners.map((p) => [p.x, p.y]));
  ctx.strokeStyle = "#0cf";
  for (const pk of table.pockets || []) {
    const [u, v] = apply(H, pk.pos.x, pk.pos.y);
    ctx.beginPath(); ctx.arc(u * s, v * s, 10, 0, 2 * Math.PI); ctx.stroke();
  }
  corners.forEach((p, i) => {
    ctx.fillStyle = "#ff0";
    ctx.beginPath(); ctx.arc(p.x * s, p.y * s, 6, 0, 2 * Math.PI); ctx.fill();
    ctx.font = "14px sans-serif"; ctx.fillText(String(i + 1), p.x * s + 9, p.y * s - 9);
  });
}

canvas.addEventListener("pointerdown", (e) => {
  const s = scale(), r = canvas.getBoundingClientRect();
  const x = (e.clientX - r.left) / s, y = (e.clientY - r.top) / s;
  let best = -1, bestD = 30 / s;
  corners.forEach((p, i) => { const d = Math.hypot(p.x - x, p.y - y); if (d < bestD) { best = i; bestD = d; } });
  if (best >= 0) { dragging = best; canvas.setPointerCapture(e.pointerId); }
});
canvas.addEventListener("pointermove", (e) => {
  if (dragging < 0) return;
  const s = scale(), r = canvas.getBoundingClientRect();
  corners[dragging] = { x: (e.clientX - r.left) / s, y: (e.clientY - r.top) / s };
  draw();
});
canvas.addEventListener("pointerup", () => { dragging = -1; });

async function put(body) {
  let token = localStorage.getItem("cuecast.token") || prompt("Command token (http.token in the box's config):") || "";
  const r = await fetch("/api/v1/vision/calibration", {
    method: "PUT", headers: { "Content-Type": "application/json", Authorization: "Bearer " + token }, body: JSON.stringify(body),
  });
  if (r.ok) { localStorage.setItem("cuecast.token", token); msg.textContent = "Saved on the box."; }
  else { msg.textContent = "Not saved: " + (await r.text()); if (r.status === 401) localStorage.removeItem("cuecast.token"); }
}

document.getElementById("save").onclick = () => put({ corners, width: img.naturalWidth, height: img.naturalHeight });
document.getElementById("auto").onclick = () => put({ corners: null });
document.getElementById("refresh").onclick = load;
window.addEventListener("resize", draw);
load();
