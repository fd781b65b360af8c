// cuecast WebSocket client: connect, subscribe, resume after any drop, de-duplicate,
// acknowledge alerts. Protocol: docs/protocol.md (version 1).
//
// Positions ({epoch, offset} of the last publication processed, per stream) are kept in
// sessionStorage, so a page reload resumes like a network blip does. A publication at or
// before the stored position of its stream (same epoch) is a duplicate and is dropped here,
// so callers see every publication at most once. The exception is the alert stream: the box
// redelivers every unacknowledged alert on each (re)subscribe, with its original offset, and a
// page that was reloaded has lost what it showed; those come through marked redelivered: true
// and the page de-duplicates alerts by id (docs/protocol.md "Alerts and acknowledgements").

const NEVER_DROPPED = new Set(["alert", "config", "event"]);
const REDELIVERED = new Set(["alert"]);

export class CuecastClient {
  // opts: {streams, group, maxRateHz, filters, onPublication(pub), onFrame(frame),
  //        onStatus(status), onConnection(greeting), quickAttempts, quickDelayMs, storageKey, url}
  // filters: per stream, what the page needs (docs/protocol.md "Filters"): {fields, exclude,
  // where, quality}; sent with every (re)subscribe.
  constructor(opts) {
    this.o = Object.assign({
      streams: ["state"], group: "", maxRateHz: {}, filters: {}, quickAttempts: 5, quickDelayMs: 1000,
      storageKey: "cuecast.positions." + (opts.group || "default"),
      url: (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws",
      onPublication() {}, onFrame() {}, onStatus() {}, onConnection() {},
    }, opts);
    this.positions = this._load();
    this.attempt = 0;
    this.ws = null;
    this.epoch = null;
    this.stopped = false;
    this.nextId = 1;
    this.stats = {received: 0, duplicates: 0, reconnects: 0, lastLatencyMs: [], recovered: {}};
  }

  _load() {
    try { return JSON.parse(sessionStorage.getItem(this.o.storageKey)) || {}; } catch { return {}; }
  }

  _save() {
    try { sessionStorage.setItem(this.o.storageKey, JSON.stringify(this.positions)); } catch { /* private mode */ }
  }

  start() { this.stopped = false; this._connect(); }

  stop() { this.stopped = true; if (this.ws) this.ws.close(1000); }

  _status(state, detail) { this.o.onStatus({state, detail, attempt: this.attempt}); }

  _connect() {
    const url = this.o.url + (this.o.group ? "?group=" + encodeURIComponent(this.o.group) : "");
    this._status("connecting", url);
    let ws;
    try { ws = new WebSocket(url); } catch (e) { this._retry(1006); return; }
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onmessage = (m) => this._message(m);
    ws.onclose = (e) => { if (this.ws === ws) { this.ws = null; this._retry(e.code, e.reason); } };
    ws.onerror = () => { /* onclose follows and decides */ };
  }

  // Reconnect policy (docs/protocol.md "Close codes"): quick tries first (the seed's
  // max_reconnect_attempts x reconnect_delay), then exponential backoff with jitter to 30 s.
  // Never gives up: a table display must come back by itself.
  _retry(code, reason) {
    if (this.stopped) return;
    this.attempt++;
    this.stats.reconnects++;
    let delay;
    if (code === 4000 || code === 4029) delay = 60000;
    else if (this.attempt <= this.o.quickAttempts) delay = this.o.quickDelayMs;
    else delay = Math.min(30000, this.o.quickDelayMs * 2 ** (this.attempt - this.o.quickAttempts));
    delay = delay * (0.8 + 0.4 * Math.random());
    this._status("reconnecting", `closed ${code}${reason ? " " + reason : ""}; retry in ${(delay / 1000).toFixed(1)} s`);
    setTimeout(() => this._connect(), delay);
  }

  send(type, data, id) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    const msg = {type, data};
    if (id !== undefined) msg.id = id;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  ack(alertId) { return this.send("ack", {alert_id: alertId}, this.nextId++); }

  // _subscribe resumes the never-dropped streams. After a daemon restart (the greeting's epoch
  // differs from the stored one) it resumes the new epoch from offset 0: everything the new
  // process published before this page got back, so a restart leaves no gap either (a plain
  // epoch mismatch would get only the latest event).
  _subscribe() {
    const resume = {};
    for (const s of this.o.streams) {
      const p = this.positions[s];
      if (!p || !NEVER_DROPPED.has(s)) continue;
      resume[s] = p.epoch === this.epoch ? {epoch: p.epoch, offset: p.offset} : {epoch: this.epoch, offset: 0};
    }
    const data = {streams: this.o.streams};
    if (Object.keys(resume).length) data.resume = resume;
    if (Object.keys(this.o.maxRateHz).length) data.max_rate_hz = this.o.maxRateHz;
    if (Object.keys(this.o.filters).length) data.filters = this.o.filters;
    if (this.o.group) data.group = this.o.group;
    this.send("subscribe", data, this.nextId++);
  }

  _message(m) {
    const arrived = performance.now(); // before parsing: the draw latency includes JSON.parse
    if (typeof m.data !== "string") { this._binary(m.data); return; }
    let msg;
    try { msg = JSON.parse(m.data); } catch { return; }
    switch (msg.type) {
      case "connection":
        this.epoch = msg.data.epoch;
        this.clientId = msg.data.client_id;
        this.o.onConnection(msg.data);
        this._subscribe();
        break;
      case "subscribed":
        this.attempt = 0;
        for (const s of msg.data.streams) this.stats.recovered[s.stream] = s.recovered;
        this._status("connected", this.clientId);
        break;
      case "publication":
        this._publication(msg, arrived);
        break;
      case "error":
        console.warn("cuecast: server error", msg.data);
        break;
    }
  }

  // _accept records the position and reports whether the publication is new.
  _accept(stream, epoch, offset) {
    const p = this.positions[stream];
    if (p && p.epoch === epoch && offset <= p.offset) { this.stats.duplicates++; return false; }
    this.positions[stream] = {epoch, offset};
    if (NEVER_DROPPED.has(stream)) this._save();
    return true;
  }

  _publication(msg, arrived) {
    const p = this.positions[msg.stream];
    if (REDELIVERED.has(msg.stream) && p && p.epoch === msg.epoch && msg.offset <= p.offset) {
      this.stats.duplicates++;
      msg.redelivered = true;
      this.o.onPublication(msg);
      return;
    }
    if (!this._accept(msg.stream, msg.epoch, msg.offset)) return;
    this.stats.received++;
    const lat = Date.now() - Date.parse(msg.time);
    const l = this.stats.lastLatencyMs;
    l.push(lat); if (l.length > 60) l.shift();
    msg.receivedAt = arrived;
    this.o.onPublication(msg);
  }

  _binary(buf) {
    const dv = new DataView(buf);
    if (dv.byteLength < 21 || dv.getUint8(0) !== 1) return;
    const h = dv.getUint16(2);
    const offset = Number(dv.getBigUint64(4));
    const timeMs = Number(dv.getBigInt64(12)) / 1000;
    const e = dv.getUint8(20);
    const epoch = new TextDecoder().decode(new Uint8Array(buf, 21, e));
    if (!this._accept("frame", epoch, offset)) return;
    this.o.onFrame({epoch, offset, timeMs, jpeg: new Blob([new Uint8Array(buf, h)], {type: "image/jpeg"})});
  }

  // latencyMs is the median publication-to-receipt latency over the last 60 messages.
  latencyMs() {
    const l = [...this.stats.lastLatencyMs].sort((a, b) => a - b);
    return l.length ? l[l.length >> 1] : null;
  }
}
