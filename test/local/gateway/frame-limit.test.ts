import { expect } from "chai";
import { createFrameSizeWatcher } from "../../../local/gateway/frame-limit.ts";

/** A client frame header (FIN, text, masked) for a payload of `length` bytes, followed by that payload. */
function makeFrame(length: number): Buffer {
  const lengthBytes =
    length < 126
      ? Buffer.from([0x80 | length])
      : length < 65_536
        ? Buffer.from([0x80 | 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x80 | 127]), bigLength(length)]);
  return Buffer.concat([Buffer.from([0x81]), lengthBytes, Buffer.from([1, 2, 3, 4]), Buffer.alloc(length, 0x61)]);
}

function bigLength(length: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(length));
  return bytes;
}

function watch(limit: number): { feed: (chunk: Buffer) => void; oversize: number[] } {
  const oversize: number[] = [];
  return { feed: createFrameSizeWatcher(limit, (bytes) => oversize.push(bytes)), oversize };
}

describe("gateway frame size limit", () => {
  it("lets frames up to the limit through, whatever their length encoding", () => {
    const { feed, oversize } = watch(70_000);
    feed(Buffer.concat([makeFrame(5), makeFrame(300), makeFrame(70_000)]));
    expect(oversize).to.deep.equal([]);
  });

  it("reports the first frame over the limit, once", () => {
    const { feed, oversize } = watch(32 * 1024);
    feed(Buffer.concat([makeFrame(10), makeFrame(40_000), makeFrame(50_000)]));
    expect(oversize).to.deep.equal([40_000]);
  });

  it("follows frames split across chunks at every byte", () => {
    const stream = Buffer.concat([makeFrame(200), makeFrame(1000), makeFrame(33_000)]);
    const { feed, oversize } = watch(32 * 1024);
    for (let at = 0; at < stream.length; at += 1) feed(stream.subarray(at, at + 1));
    expect(oversize).to.deep.equal([33_000]);
  });

  it("reads a 64-bit length", () => {
    const { feed, oversize } = watch(32 * 1024);
    feed(makeFrame(70_000).subarray(0, 14));
    expect(oversize).to.deep.equal([70_000]);
  });
});
