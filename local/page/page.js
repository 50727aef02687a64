// The local page, built on the client library (client/, served as /wsauth-client.js): gets tokens from the dev
// issuer, connects, shows messages and the token's remaining time; the library refreshes in place before expiry
// and reconnects, and the page shows each close with its reason.
import { WsAuthClient } from "/wsauth-client.js";

const $ = (id) => document.getElementById(id);

let settings;
let client;
let closingByUs = false;

function log(kind, text) {
  const list = $("messages");
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  list.append(item);
  list.scrollTop = list.scrollHeight;
}

function setState(text) {
  $("state").textContent = text;
}

function setConnected(connected) {
  $("connect").disabled = connected;
  $("disconnect").disabled = !connected;
  $("send").disabled = !connected;
  $("refresh").disabled = !connected;
}

/** The countdown runs only while the client holds a connection; after a close it says so and stops. */
function showRemaining() {
  const exp = client?.state === "open" ? client.exp : undefined;
  if (exp === undefined) {
    if (client !== undefined) $("remaining").textContent = "none (not connected)";
    return;
  }
  const left = exp - Date.now() / 1000;
  $("remaining").textContent = left > 0 ? `expires in ${Math.ceil(left)} s` : `expired ${Math.floor(-left)} s ago`;
}

class NoSessionError extends Error {}

/** Mints through /dev/token with the page's session cookie (HttpOnly: this script never sees it, nor the mint key). */
async function mint() {
  const groups = $("groups")
    .value.split(",")
    .map((group) => group.trim())
    .filter((group) => group !== "");
  const response = await fetch("/dev/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      username: $("user").value.trim(),
      groups,
      tokenUse: settings.tokenUse === "access" ? "access" : "id",
      expiresIn: Number($("expires-in").value),
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401)
    throw new NoSessionError(
      "this page's session is not one the running make dev knows (it makes new ones each time it starts): run make dev-url for a fresh link, and open it.",
    );
  if (!response.ok || typeof body.token !== "string")
    throw new Error(body.error ?? `mint failed with HTTP ${response.status}`);
  return body.token;
}

/** The stack's stage on this page's own origin: localhost and 127.0.0.1 both stay same-origin (CSP connect-src 'self'). */
function sameOriginWsUrl() {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${new URL(settings.wsUrl).pathname}`;
}

/** Why the connection closed, in words: the server's error message when it sent one, else the close frame's reason. */
function closeReason(event, refusal) {
  if (event.serverError === "refresh_refused") return `refresh refused (${refusal})`;
  if (event.serverError === "token_expired") return "token expired";
  if (event.serverError !== undefined) return event.serverError;
  if (event.reason) return event.reason;
  return event.code === 1006 ? "connection lost" : "no reason given";
}

function onClose(event, refusal) {
  showRemaining();
  if (closingByUs) {
    setConnected(false);
    setState(`closed by you (code ${event.code})`);
    log("note", "closed by you");
    return;
  }
  if (!event.opened) {
    if (event.stopped === undefined) {
      setState(`refused; trying again in ${(event.retryInMs / 1000).toFixed(1)} s with a new token`);
      return;
    }
    setConnected(false);
    setState("refused");
    log(
      "error",
      `handshake refused (a browser sees close code ${event.code} only); stopped after the client's tries. The reason is in the make dev terminal and in the x-local-gateway-reason response header.`,
    );
    return;
  }
  const by =
    event.reason === "max_duration" ? "the client" : event.code === 1006 ? "a broken connection" : "the server";
  const retry = event.retryInMs === undefined ? "" : `; reconnecting in ${(event.retryInMs / 1000).toFixed(1)} s`;
  setState(`closed by ${by}: ${closeReason(event, refusal)} (code ${event.code})${retry}`);
  log("note", `closed: code ${event.code} ${closeReason(event, refusal)}${retry}`);
  if (event.stopped !== undefined) setConnected(false);
}

async function connect() {
  $("connect").disabled = true;
  let first;
  try {
    first = await mint();
  } catch (err) {
    log("error", `no token: ${err.message}`);
    if (err instanceof NoSessionError) $("no-session").hidden = false;
    $("connect").disabled = false;
    return;
  }
  setState("connecting");
  closingByUs = false;
  let refusal = "";
  client = new WsAuthClient({
    url: sameOriginWsUrl(),
    tokenLocation: settings.tokenLocation === "query" ? "query" : "protocol",
    queryParam: settings.tokenQueryParam,
    autoRefresh: $("auto-refresh").checked,
    // The token just minted for the first connection; a new one for every refresh and reconnect.
    getToken: () => {
      const token = first ?? mint();
      first = undefined;
      return token;
    },
  });
  client.on("open", ({ connections }) => {
    setState("open");
    setConnected(true);
    log(
      "note",
      connections === 1 ? `connected as ${$("user").value.trim()}` : `reconnected (connection ${connections})`,
    );
    showRemaining();
  });
  client.on("message", ({ text }) => log("in", `← ${text}`));
  client.on("refreshed", () => {
    setState("open (token refreshed)");
    showRemaining();
  });
  client.on("refresh_refused", ({ reason }) => {
    refusal = reason;
  });
  client.on("error", ({ during, error }) => log("error", `${during}: ${error?.message ?? error}`));
  client.on("close", (event) => onClose(event, refusal));
  client.connect();
}

async function refresh() {
  setState("open (refresh sent, waiting for the reply)");
  log("out", `→ {"action":"refresh","token":"…"} (a new token for ${$("user").value.trim()})`);
  await client.refresh();
}

function send() {
  const text = $("message").value;
  if (client?.sendText(text)) log("out", `→ ${text}`);
  else log("error", "not sent: not connected");
}

async function start() {
  settings = await (await fetch("/dev/config")).json();
  $("stack").textContent =
    `Stack ${settings.wsUrl}: token location ${settings.tokenLocation}, TOKEN_USE ${settings.tokenUse}, ` +
    `REQUIRED_GROUPS ${settings.requiredGroups.length > 0 ? settings.requiredGroups.join(",") : "(none)"}`;
  $("user").value = settings.user;
  $("groups").value = settings.requiredGroups.join(",");
  if (!settings.session) {
    $("no-session").hidden = false;
    $("connect").disabled = true;
    return;
  }
  $("connect").addEventListener("click", () => void connect());
  $("disconnect").addEventListener("click", () => {
    closingByUs = true;
    client?.close();
  });
  $("send").addEventListener("click", send);
  $("message").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !$("send").disabled) send();
  });
  $("refresh").addEventListener("click", () => void refresh());
  setInterval(showRemaining, 250);
}

void start();
