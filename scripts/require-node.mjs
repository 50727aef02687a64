// Plain JavaScript, preloaded with `node --import` before a .ts entry point: an older Node fails on the .ts file
// itself (ERR_UNKNOWN_FILE_EXTENSION) before any of our code runs, so the version is checked here first.
import { readFileSync } from "node:fs";

const wanted = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).engines.node;
const [major, minor] = process.versions.node.split(".").map(Number);
const [wantedMajor, wantedMinor] = wanted.replace(/^>=/, "").split(".").map(Number);
if (major < wantedMajor || (major === wantedMajor && minor < wantedMinor)) {
  process.stderr.write(
    `Node ${process.versions.node} is too old (this project needs ${wanted}, which runs .ts files): run \`make install\`, then \`make <target>\` or \`npx node <script>.ts\` (the pinned Node in node_modules).\n`,
  );
  process.exit(1);
}
