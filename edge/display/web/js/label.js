// The labelling page: the frame being labelled with the detector's proposals
// (or the labels saved for it), editable by hand, saved as edge/labels JSON
// through /api/v1/label. window.labelState is the page's state (tests read it).
const img = document.getElementById("frame");
const canvas = document.getElementById("marks");
const ctx = canvas.getContext("2d");
const msg = document.getElementById("msg");
// saved: the frames saved on this visit, which "Teach this venue" teaches
// from (at most maxTeach, the latest); taught: the venue the box answered.
const st = { frame: null, sel: -1, drag: null, ready: false, saved: 0, savedImages: [], taught: null };
const maxTeach = 8;
window.labelState = st;

const classOf = (n) => (n === 0 ? "cue" : n === 8 ? "eight" : n <= 7 ? "solid" : "stripe");
const say = (t) => { msg.textContent = t; };

const hash = new URLSearchParams(location.hash.slice(1));
if (hash.get("token")) { localStorage.setItem("cuecast.token", hash.get("token")); history.replaceState(null, "", location.pathname); }
function token() {
  let t = localStorage.getItem("cuecast.token");
  if (t === null) t = prompt("Command token (http.token in the box's config):") || "";
  return t;
}

async function load(reply) {
  st.frame = reply.frame; st.sel = -1; st.ready = false;
  document.getElementById("empty").checked = !!st.frame.empty;
  await new Promise((ok) => { img.onload = ok; img.src = "/api/v1/label/image?t=" + Date.now(); });
  canvas.width = img.clientWidth; canvas.height = img.clientHeight;
  st.ready = true;
  say((reply.proposed ? "Detector's proposals" : "Saved labels") + " for " + st.frame.image + ": " + st.frame.balls.length + " balls.");
  draw(); panel();
}

const scale = () => img.clientWidth / st.frame.width;
const toImg = (e) => { const r = canvas.getBoundingClientRect(), s = scale(); return { x: (e.clientX - r.left) / s, y: (e.clientY - r.top) / s }; };

function draw() {
  const s = scale();
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const t = st.frame.table;
  if (t) {
    ctx.strokeStyle = "#3ff"; ctx.lineWidth = 1; ctx.beginPath();
    t.corners.forEach((c, i) => (i ? ctx.lineTo(c.x * s, c.y * s) : ctx.moveTo(c.x * s, c.y * s)));
    ctx.closePath(); ctx.stroke();
    t.corners.forEach((c, i) => {
      ctx.fillStyle = "#3ff"; ctx.beginPath(); ctx.arc(c.x * s, c.y * s, 5, 0, 7); ctx.fill();
      ctx.fillStyle = "#000"; ctx.font = "10px sans-serif"; ctx.fillText(String(i + 1), c.x * s - 3, c.y * s + 3);
    });
  }
  st.frame.balls.forEach((b, i) => {
    ctx.strokeStyle = i === st.sel ? "#ff0" : b.occluded ? "#f80" : "#f0f";
    ctx.lineWidth = i === st.sel ? 2 : 1;
    ctx.beginPath(); ctx.arc(b.x * s, b.y * s, Math.max(3, b.r * s), 0, 7); ctx.stroke();
    ctx.fillStyle = ctx.strokeStyle; ctx.font = "11px sans-serif";
    ctx.fillText(b.number != null ? String(b.number) : b.class.slice(0, 2), b.x * s + b.r * s * 0.8, b.y * s - b.r * s * 0.8);
  });
}

function panel() {
  const box = document.getElementById("ball");
  const b = st.frame.balls[st.sel];
  box.hidden = !b;
  if (!b) return;
  document.getElementById("bi").textContent = st.sel;
  document.getElementById("bpos").textContent = `(${b.x.toFixed(2)}, ${b.y.toFixed(2)}) r ${b.r.toFixed(2)}`;
  document.getElementById("bclass").value = b.class;
  document.getElementById("bnum").value = b.number == null ? "" : b.number;
  document.getElementById("bocc").checked = !!b.occluded;
}

function hit(p) {
  const t = st.frame.table, tol = 8 / scale();
  if (t) for (let i = 0; i < 4; i++) if (Math.hypot(t.corners[i].x - p.x, t.corners[i].y - p.y) < tol) return { corner: i };
  let best = -1, bd = Infinity;
  st.frame.balls.forEach((b, i) => { const d = Math.hypot(b.x - p.x, b.y - p.y); if (d < Math.max(b.r, tol) && d < bd) { bd = d; best = i; } });
  return best >= 0 ? { ball: best } : null;
}

function medianR() {
  const rs = st.frame.balls.map((b) => b.r).sort((a, b) => a - b);
  return rs.length ? rs[rs.length >> 1] : 15;
}

async function snap(x, y, r, fixed) {
  const res = await fetch("/api/v1/label/snap", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ x, y, r, fixed }) });
  return res.ok ? res.json() : null;
}

canvas.addEventListener("mousedown", async (e) => {
  if (!st.ready) return;
  const p = toImg(e), h = hit(p);
  if (h && h.corner !== undefined) { st.drag = { corner: h.corner }; return; }
  if (h) { st.sel = h.ball; const b = st.frame.balls[h.ball]; st.drag = { ball: h.ball, dx: b.x - p.x, dy: b.y - p.y }; draw(); panel(); return; }
  // A click on the cloth adds a ball, fitted to the outline under it.
  const r = medianR(), f = await snap(p.x, p.y, r, st.frame.balls.length > 0);
  const b = f ? { x: f.x, y: f.y, r: f.r } : { x: p.x, y: p.y, r };
  st.frame.balls.push({ ...b, class: "solid", number: null });
  st.sel = st.frame.balls.length - 1;
  say(f ? "Ball added, fitted to its outline." : "Ball added where clicked (no outline found there).");
  draw(); panel();
});
window.addEventListener("mousemove", (e) => {
  if (!st.drag) return;
  const p = toImg(e);
  if (st.drag.corner !== undefined) { st.frame.table.corners[st.drag.corner] = { x: p.x, y: p.y }; }
  else { const b = st.frame.balls[st.drag.ball]; b.x = p.x + st.drag.dx; b.y = p.y + st.drag.dy; }
  draw(); panel();
});
window.addEventListener("mouseup", () => { st.drag = null; });
window.addEventListener("keydown", (e) => {
  if ((e.key === "Delete" || e.key === "Backspace") && st.sel >= 0 && document.activeElement.tagName !== "INPUT") { del(); e.preventDefault(); }
});

function del() { st.frame.balls.splice(st.sel, 1); st.sel = -1; draw(); panel(); }
document.getElementById("bdel").onclick = del;
document.getElementById("bclass").onchange = (e) => {
  const b = st.frame.balls[st.sel]; b.class = e.target.value;
  if (b.number != null && classOf(b.number) !== b.class) b.number = null;
  draw(); panel();
};
document.getElementById("bnum").onchange = (e) => {
  const b = st.frame.balls[st.sel], v = e.target.value.trim();
  if (v === "") b.number = null;
  else { const n = Number(v); if (Number.isInteger(n) && n >= 0 && n <= 15) { b.number = n; b.class = classOf(n); } }
  draw(); panel();
};
document.getElementById("bocc").onchange = (e) => { st.frame.balls[st.sel].occluded = e.target.checked; draw(); };
document.getElementById("bsnap").onclick = async () => {
  const b = st.frame.balls[st.sel]; if (!b) return;
  const f = await snap(b.x, b.y, b.r, false);
  if (f) { b.x = f.x; b.y = f.y; b.r = f.r; say(`Fitted: rms ${f.rms.toFixed(2)} px.`); } else say("No outline found near this ball.");
  draw(); panel();
};
document.getElementById("empty").onchange = (e) => { st.frame.empty = e.target.checked; };

document.getElementById("save").onclick = async () => {
  const t = token();
  if (st.frame.empty && st.frame.balls.length) { say("Not saved: the table is marked empty but has balls."); return; }
  const res = await fetch("/api/v1/label/frame", { method: "PUT", headers: { "Content-Type": "application/json", Authorization: "Bearer " + t }, body: JSON.stringify(st.frame) });
  if (res.ok) {
    localStorage.setItem("cuecast.token", t); st.saved++;
    if (!st.savedImages.includes(st.frame.image)) st.savedImages.push(st.frame.image);
    teachCount();
    say("Saved to " + (await res.json()).set + "."); return;
  }
  if (res.status === 401) localStorage.removeItem("cuecast.token");
  say("Not saved: " + ((await res.json().catch(() => null))?.error?.message || res.statusText));
};
function teachCount() {
  const n = Math.min(st.savedImages.length, maxTeach);
  document.getElementById("teachn").textContent = n ? `from ${n} saved frame${n > 1 ? "s" : ""}` : "";
}
// Teach this venue: the box measures its balls' colours on the frames saved
// here (POST /api/v1/vision/venue/teach, token) and names by them at once.
document.getElementById("teach").onclick = async () => {
  const images = st.savedImages.slice(-maxTeach);
  if (!images.length) { say("Not taught: save the labels of a capture first (teaching uses the saved frames, with every ball numbered)."); return; }
  const t = token();
  say("Teaching from " + images.length + " frame(s)…");
  const res = await fetch("/api/v1/vision/venue/teach", { method: "POST", headers: { "Content-Type": "application/json", Authorization: "Bearer " + t }, body: JSON.stringify({ images }) });
  if (res.ok) {
    localStorage.setItem("cuecast.token", t);
    st.taught = await res.json();
    say(`Venue taught: ${st.taught.balls.length} ball numbers from ${images.length} frame(s). The box names balls by them now.`);
    return;
  }
  if (res.status === 401) localStorage.removeItem("cuecast.token");
  const why = (await res.json().catch(() => null))?.error?.message;
  // `cuecast label` serves this page without a box behind it: no venue.
  say("Not taught: " + (why || (res.status === 404 ? "no box behind this page to teach (cuecast label); teach on the box's /label" : res.statusText)));
};
document.getElementById("capture").onclick = async () => {
  const res = await fetch("/api/v1/label/capture", { method: "POST", headers: { Authorization: "Bearer " + token() } });
  if (res.ok) await load(await res.json()); else say("No capture: " + ((await res.json().catch(() => null))?.error?.message || res.statusText));
};

(async () => {
  const res = await fetch("/api/v1/label/frame");
  if (!res.ok) { say("No frame to label: " + ((await res.json().catch(() => null))?.error?.message || res.statusText)); return; }
  await load(await res.json());
})();
