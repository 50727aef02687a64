// The peers' copy of functions/message's endpoint rule: importing it from there would bundle aws4 into every peer.
const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])(?::\d+)?$/;

export function peerManagementEndpoint(domainName: string, stage: string): string {
  return `${LOOPBACK.test(domainName) ? "http" : "https"}://${domainName}/${encodeURIComponent(stage)}`;
}
