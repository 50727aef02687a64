// The client library's entry point: `make build` bundles it into dist/client/wsauth-client.js (ESM, no dependencies).
export {
  type ClientEvents,
  type ClientOptions,
  type CloseInfo,
  type SocketLike,
  type StopReason,
  type TokenLocation,
  WsAuthClient,
} from "./client.ts";
