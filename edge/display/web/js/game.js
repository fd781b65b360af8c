// The game panel of the table display: scoreboard, whose turn, groups, fouls in a row, the last
// decision with its rule, and touch-sized controls for what only a person can say (a new game,
// the call, a push-out, the incoming player's option, an overrule). Commands go to the box's REST
// API (/api/v1/game/<command>) with the command token and a fresh command id each, so a tap
// repeated by a flaky network is applied once.
const POCKETS = [
  ["corner-top-left", "top left"], ["side-top", "top side"], ["corner-top-right", "top right"],
  ["corner-bottom-left", "bottom left"], ["side-bottom", "bottom side"], ["corner-bottom-right", "bottom right"],
];
const GAMES = [["8ball", "8-ball"], ["9ball", "9-ball"], ["10ball", "10-ball"], ["practice", "Practice"]];
const OPTION_WORDS = {
  play: "Play from here", pass: "Pass it back", accept: "Accept the table", rerack: "Re-rack", respot: "Spot the 8 and go on",
  in_hand: "Ball in hand behind the line",
};

let game = null, callBall = null, seq = 0;
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
};

function token() {
  let t = localStorage.getItem("cuecast.token");
  if (t === null) { t = prompt("Command token (http.token in the box's config):") || ""; }
  return t;
}

function say(text, bad) {
  const m = document.getElementById("game-msg");
  m.textContent = text; m.className = bad ? "bad" : "";
}

// command posts one game command; the panel redraws from the game stream, and from the reply at
// once so a tap is answered even before the stream's next publication.
export async function command(name, body) {
  const id = `d-${Date.now().toString(36)}-${(seq++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const t = token();
  let r;
  try {
    r = await fetch("/api/v1/game/" + name, {
      method: "POST", headers: { "Content-Type": "application/json", Authorization: "Bearer " + t },
      body: JSON.stringify(Object.assign({ id }, body)),
    });
  } catch (e) { say("The box did not answer: " + e.message, true); return false; }
  if (r.ok) {
    localStorage.setItem("cuecast.token", t);
    const rep = await r.json();
    update(rep.game);
    say("");
    return true;
  }
  let msg = r.statusText;
  try { msg = (await r.json()).error.message || msg; } catch { /* keep the status */ }
  if (r.status === 401) localStorage.removeItem("cuecast.token");
  say(msg, true);
  return false;
}
window.cuecastGame = { command, get state() { return game; } };

function button(label, onclick, cls) { return el("button", { type: "button", class: cls || "", onclick }, label); }

function scoreboard(g) {
  const rows = (g.players || []).map((p) => {
    const fouls = (g.fouls || {})[p] || 0;
    return el("tr", { class: p === g.turn && !g.over ? "turn" : "", "data-player": p },
      el("td", { class: "who" }, p === g.turn && !g.over ? "▶ " : "", p),
      el("td", { class: "group" }, (g.group || {})[p] || ""),
      el("td", { class: "fouls" + (fouls >= 2 ? " warn" : "") }, fouls ? `${fouls} foul${fouls > 1 ? "s" : ""}` : ""),
      el("td", { class: "racks" }, String((g.racks || {})[p] || 0)));
  });
  return el("table", { id: "scoreboard" }, el("tbody", {}, ...rows));
}

function status(g) {
  const parts = [];
  const name = (GAMES.find(([k]) => k === g.game) || [g.game, g.game])[1];
  parts.push(g.game === "practice" ? "Free practice" : `${name}, rack ${g.rack}`);
  if (g.over) parts.push(`${g.winner} won the rack; ${g.turn} breaks next`);
  else if (g.break && g.game !== "practice") parts.push(`${g.turn} to break`);
  else if (g.legal_first && g.legal_first.length && g.game !== "practice") parts.push(`on the ${g.legal_first.length > 3 ? g.group && g.group[g.turn] || "open table" : g.legal_first.join(", ")}`);
  if (g.ball_in_hand && !g.over) parts.push(g.ball_in_hand === "kitchen" ? "ball in hand behind the head string" : "ball in hand");
  if (g.called) parts.push(`called: ${g.called.ball} in the ${pocketWords(g.called.pocket)}`);
  if (g.push_out) parts.push("push-out declared");
  return el("div", { id: "game-status" }, parts.join(" · "));
}

function pocketWords(p) { return (POCKETS.find(([k]) => k === p) || [p, p])[1]; }

function lastDecision(g) {
  const d = g.last;
  if (!d) return el("div", { id: "decision" }, "—");
  const cls = d.legal ? "legal" : "foul";
  return el("div", { id: "decision", class: cls + (d.overruled ? " overruled" : ""), "data-shot": String(d.shot) },
    el("b", {}, `Shot ${d.shot}`), d.rule ? ` (${d.edition ? `WPA ${d.edition} ` : ""}rule ${d.rule}) ` : " ", d.message, d.overruled ? " (overruled)" : "");
}

function controls(g) {
  const box = el("div", { id: "game-controls" });
  if (g.options && g.options.length) {
    box.append(el("div", { class: "row" }, el("span", { class: "label" }, `${g.options_for}:`),
      ...g.options.map((o) => button(OPTION_WORDS[o] || o, () => command("option", { choice: o, by: g.options_for }), "opt-" + o))));
  }
  if (g.push_out_allowed && !g.push_out) box.append(el("div", { class: "row" }, button("Push-out", () => command("push-out", { push_out: true }), "push-out")));
  if (g.push_out) box.append(el("div", { class: "row" }, button("Cancel push-out", () => command("push-out", { push_out: false }), "push-out-cancel")));
  if (g.game !== "practice" && !g.over && !g.break) {
    const balls = g.game === "8ball" ? g.legal_first || [] : g.on_table || [];
    const row = el("div", { class: "row call" }, el("span", { class: "label" }, g.call_required ? "Call (required):" : "Call:"));
    for (const b of balls) row.append(button(b, () => { callBall = b; render(); }, "ball" + (callBall === b ? " picked" : "")));
    if (g.called) row.append(button("Clear", () => command("call", { ball: "" }), "clear-call"));
    box.append(row);
    if (callBall) {
      box.append(el("div", { class: "row pockets" }, el("span", { class: "label" }, `the ${callBall} in:`),
        ...POCKETS.map(([k, w]) => button(w, async () => { if (await command("call", { ball: callBall, pocket: k })) { callBall = null; render(); } }, "pocket " + k))));
    }
  }
  if (g.last) {
    box.append(el("div", { class: "row overrule" }, el("span", { class: "label" }, `Overrule shot ${g.last.shot}:`),
      button("It was a foul", () => command("overrule", { shot: g.last.shot, fouls: ["overruled"], reason: "ruled at the table" }), "rule-foul"),
      button("No foul", () => command("overrule", { shot: g.last.shot, fouls: [] }), "rule-nofoul")));
  }
  box.append(newGameForm(g));
  return box;
}

function newGameForm(g) {
  const sel = el("select", { id: "new-game-type" }, ...GAMES.map(([k, w]) => el("option", { value: k }, w)));
  sel.value = g.game === "practice" ? "8ball" : g.game;
  const p1 = el("input", { id: "new-p1", placeholder: "Player 1", value: (g.players || [])[0] || "" });
  const p2 = el("input", { id: "new-p2", placeholder: "Player 2", value: (g.players || [])[1] || "" });
  const start = button("New game", () => {
    const players = [p1.value.trim(), p2.value.trim()].filter((x) => x);
    command("new", { game: sel.value, players });
  }, "new-game");
  const rename = button("Rename", () => command("players", { players: [p1.value.trim(), p2.value.trim()] }), "rename");
  return el("details", { class: "new-game" }, el("summary", {}, "New game / players"),
    el("div", { class: "row" }, sel, p1, p2), el("div", { class: "row" }, start, g.game !== "practice" ? rename : null));
}

function render() {
  const root = document.getElementById("game");
  if (!root || !game) return;
  const open = root.querySelector("details.new-game") && root.querySelector("details.new-game").open;
  root.replaceChildren(el("h2", {}, game.game === "practice" ? "Practice" : "Game"),
    game.game !== "practice" ? scoreboard(game) : null, status(game), lastDecision(game), controls(game),
    el("div", { id: "game-msg" }));
  if (open) root.querySelector("details.new-game").open = true;
}

// update takes a game snapshot (the game stream's data, or a command's reply).
export function update(g) {
  if (!g) return;
  if (game && g.updated && game.updated && g.updated < game.updated) return; // an older reply
  game = g;
  if (callBall && !(g.on_table || []).includes(callBall)) callBall = null;
  render();
}
