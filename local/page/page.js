// The local page: gets a token from the dev issuer, connects, shows messages and the token's remaining time,
// refreshes the token over the open socket ({"action":"refresh","token":...}) and shows the server closing it.

const KEY_STORE = "wsauth-dev-key";
const $ = (id) => document.getElementById(id);

let settings;
let socket;
let exp; // the connection's token expiry, epoch seconds
let opened = false;
let closingByUs = false;

/** The mint key arrives in the URL fragment (never sent to a server); keep it for reloads, then drop it from the URL. */
function readKey() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("key");
  if (fromHash) {
    sessionStorage.setItem(KEY_STORE, fromHash);
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem(KEY_STORE);
}

function log(kind, text) {
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $("messages").append(item);
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

/** For display only: the server verifies; the page just reads exp to count down. */
function tokenExp(token) {
  const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload)).exp;
}

function showRemaining() {
  if (exp === undefined) return;
  const left = exp - Date.now() / 1000;
  $("remaining").textContent = left > 0 ? `expires in ${Math.ceil(left)} s` : `expired ${Math.floor(-left)} s ago`;
}

async function mint() {
  const key = sessionStorage.getItem(KEY_STORE);
  const groups = $("groups")
    .value.split(",")
    .map((group) => group.trim())
    .filter((group) => group !== "");
  const response = await fetch("/dev/token", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({
      username: $("user").value.trim(),
      groups,
      tokenUse: settings.tokenUse === "access" ? "access" : "id",
      expiresIn: Number($("expires-in").value),
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.token !== "string")
    throw new Error(body.error ?? `mint failed with HTTP ${response.status}`);
  return body.token;
}

/** Where the stack's identity source wants the token; under `any` the subprotocol, which keeps it out of URLs. */
function openSocket(token) {
  if (settings.tokenLocation === "query") {
    const url = new URL(settings.wsUrl);
    url.searchParams.set(settings.tokenQueryParam, token);
    return new WebSocket(url);
  }
  return new WebSocket(settings.wsUrl, ["bearer", token]);
}

function onMessage(event) {
  log("in", `← ${event.data}`);
  let message;
  try {
    message = JSON.parse(event.data);
  } catch {
    return;
  }
  if (message.type === "refreshed" && typeof message.exp === "number") {
    exp = message.exp;
    showRemaining();
    setState("open (token refreshed)");
  } else if (message.type === "error" && message.error === "token_expired") {
    setState("closing: the server says the token expired");
  } else if (message.type === "error" && message.error === "refresh_refused") {
    setState(`closing: refresh refused (${message.reason})`);
  }
}

async function connect() {
  $("connect").disabled = true;
  let token;
  try {
    token = await mint();
  } catch (err) {
    log("error", `no token: ${err.message}`);
    $("connect").disabled = false;
    return;
  }
  exp = tokenExp(token);
  showRemaining();
  setState("connecting");
  opened = false;
  closingByUs = false;
  socket = openSocket(token);
  socket.addEventListener("open", () => {
    opened = true;
    setState("open");
    setConnected(true);
    log("note", `connected as ${$("user").value.trim()}`);
  });
  socket.addEventListener("message", onMessage);
  socket.addEventListener("close", (event) => {
    setConnected(false);
    if (!opened) {
      setState("refused");
      log(
        "error",
        `handshake refused (a browser sees close code ${event.code} only). The reason is in the make dev terminal and in the x-local-gateway-reason response header.`,
      );
      return;
    }
    const by = closingByUs ? "you" : event.wasClean ? "the server" : "a broken connection";
    setState(`closed by ${by}: code ${event.code}${event.reason ? ` (${event.reason})` : ""}`);
    log("note", `closed: code ${event.code} ${event.reason}`);
  });
}

async function refresh() {
  let token;
  try {
    token = await mint();
  } catch (err) {
    log("error", `no token: ${err.message}`);
    return;
  }
  socket.send(JSON.stringify({ action: "refresh", token }));
  log(
    "out",
    `→ {"action":"refresh","token":"…"} (new token expires at ${new Date(tokenExp(token) * 1000).toLocaleTimeString()})`,
  );
  setState("open (refresh sent, waiting for the reply)");
}

function send() {
  const text = $("message").value;
  socket.send(text);
  log("out", `→ ${text}`);
}

async function start() {
  const key = readKey();
  settings = await (await fetch("/dev/config")).json();
  $("stack").textContent =
    `Stack ${settings.wsUrl}: token location ${settings.tokenLocation}, TOKEN_USE ${settings.tokenUse}, ` +
    `REQUIRED_GROUPS ${settings.requiredGroups.length > 0 ? settings.requiredGroups.join(",") : "(none)"}`;
  $("user").value = settings.user;
  $("groups").value = settings.requiredGroups.join(",");
  if (!key) {
    $("key-missing").hidden = false;
    $("connect").disabled = true;
    return;
  }
  $("connect").addEventListener("click", () => void connect());
  $("disconnect").addEventListener("click", () => {
    closingByUs = true;
    socket?.close(1000, "bye");
  });
  $("send").addEventListener("click", send);
  $("refresh").addEventListener("click", () => void refresh());
  setInterval(showRemaining, 250);
}

void start();
