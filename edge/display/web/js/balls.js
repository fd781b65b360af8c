// Ball colours (WPA standard set) and drawing, shared by the display and the projector.

export const BALL_RADIUS = 0.028575; // metres: 2.25 in diameter

export const COLOURS = {
  0: "#f4f1e6", 1: "#f2c200", 2: "#1646c8", 3: "#d41a1a", 4: "#6a2aa8", 5: "#f07818",
  6: "#128a48", 7: "#8a1c1c", 8: "#101010",
};

export function colourOf(n) {
  if (n === null || n === undefined) return "#9a9a9a";
  return COLOURS[n > 8 ? n - 8 : n];
}

// drawBall draws ball (number n, or null when unknown) at screen (x, y) with radius r.
export function drawBall(ctx, x, y, r, n) {
  ctx.save();
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.closePath();
  if (n !== null && n !== undefined && n > 8) {
    ctx.fillStyle = COLOURS[0];
    ctx.fill();
    ctx.clip();
    ctx.fillStyle = colourOf(n);
    ctx.fillRect(x - r, y - r * 0.55, 2 * r, r * 1.1); // the stripe band
  } else {
    ctx.fillStyle = colourOf(n);
    ctx.fill();
  }
  ctx.restore();
  if (n !== null && n !== undefined && n > 0 && r >= 7) {
    ctx.beginPath();
    ctx.arc(x, y, r * 0.45, 0, 2 * Math.PI);
    ctx.fillStyle = "#ffffff";
    ctx.fill();
    ctx.fillStyle = "#000000";
    ctx.font = `bold ${Math.round(r * 0.6)}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(String(n), x, y + 0.5);
  } else if (n === null || n === undefined) {
    ctx.fillStyle = "#000";
    ctx.font = `bold ${Math.round(r)}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText("?", x, y);
  }
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.strokeStyle = "rgba(0,0,0,0.45)";
  ctx.lineWidth = 1;
  ctx.stroke();
}
